// Draws the classified article, the details of the selected sentence and the summary chart.

const LANGUAGE_NAMES = { kk: "Kazakh", ru: "Russian", uk: "Ukrainian", en: "English", und: "undetermined" };

export const percent = (value) => `${(value * 100).toFixed(1)}%`;

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// Label -> human name, in the API's label order, read from the legend the server rendered.
export function labelNames() {
  const names = {};
  for (const item of document.querySelectorAll("#legend li[data-label]")) {
    names[item.dataset.label] = item.dataset.name;
  }
  return names;
}

// The article as sent, every sentence a focusable span; offsets are code points, as the API counts them.
export function renderSentences(container, text, sentences, names) {
  const characters = Array.from(text);
  const nodes = [];
  let position = 0;
  for (const sentence of sentences) {
    if (sentence.start > position) nodes.push(characters.slice(position, sentence.start).join(""));
    const span = element("span", `sentence label-${sentence.label}`);
    if (sentence.abstain) span.classList.add("abstain");
    span.tabIndex = 0;
    span.setAttribute("role", "button");
    span.setAttribute("aria-pressed", "false");
    span.dataset.index = String(sentence.index);
    span.dataset.label = sentence.label;
    span.append(element("span", "sentence-text", sentence.text));
    span.append(element("span", "tag", names[sentence.label] + (sentence.abstain ? " · uncertain" : "")));
    nodes.push(span);
    position = sentence.end;
  }
  if (position < characters.length) nodes.push(characters.slice(position).join(""));
  container.replaceChildren(...nodes);
}

// One row per label: name, a bar as long as the value, and the value in words.
function renderBars(container, values, names, captions = {}) {
  const top = Object.keys(values).reduce((best, label) => (values[label] > values[best] ? label : best));
  const cells = [];
  for (const label of Object.keys(names)) {
    const name = element("span", `bar-name${label === top ? " top" : ""}`, names[label] + (captions[label] || ""));
    const track = element("span", "bar-track");
    const fill = element("span", `bar-fill label-${label}`);
    fill.style.width = percent(values[label]);
    track.append(fill);
    track.setAttribute("aria-hidden", "true");
    const value = element("span", "bar-value", percent(values[label]));
    for (const cell of [name, track, value]) cell.dataset.label = label;
    cells.push(name, track, value);
  }
  container.replaceChildren(...cells);
}

export function renderDetails(sentence, names) {
  document.getElementById("details-empty").hidden = true;
  document.getElementById("details-body").hidden = false;
  document.getElementById("details-text").textContent = sentence.text;
  const label = document.getElementById("details-label");
  label.dataset.label = sentence.label;
  label.replaceChildren(element("span", `swatch label-${sentence.label}`), names[sentence.label]);
  label.firstChild.setAttribute("aria-hidden", "true");
  document.getElementById("details-confidence").textContent = percent(sentence.confidence);
  document.getElementById("details-abstain").textContent = sentence.abstain
    ? "Yes: the best score is below the model's threshold, so treat this framing as uncertain."
    : "No";
  document.getElementById("details-language").textContent = LANGUAGE_NAMES[sentence.language] || sentence.language;
  renderBars(document.getElementById("details-scores"), sentence.scores, names);
  const evidence = document.getElementById("details-evidence");
  const terms = (sentence.evidence || []).map((item) => {
    const row = element("li", "term", item.term);
    row.append(" ", element("span", "weight", `(+${item.weight.toFixed(3)})`));
    return row;
  });
  evidence.replaceChildren(...(terms.length ? terms : [element("li", "none", "No readable evidence terms for this sentence.")]));
}

export function clearDetails() {
  document.getElementById("details-empty").hidden = false;
  document.getElementById("details-body").hidden = true;
}

export function renderSummary(summary, names) {
  const dominant = document.getElementById("dominant");
  dominant.dataset.label = summary.label;
  dominant.textContent = `${names[summary.label]} (${percent(summary.scores[summary.label])} of the article)`;
  const captions = {};
  for (const label of Object.keys(names)) {
    const count = summary.counts[label];
    captions[label] = ` · ${count} sentence${count === 1 ? "" : "s"}`;
  }
  renderBars(document.getElementById("summary-bars"), summary.scores, names, captions);
}
