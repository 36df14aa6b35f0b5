// Wires the page: the text box, the file picker, the Classify button and keyboard selection.
import { ClassifyError, classify, sendCorrection } from "./api.js";
import { clearDetails, labelNames, renderDetails, renderSentences, renderSummary } from "./view.js";

const byId = (id) => document.getElementById(id);
const app = byId("app");
const article = byId("article");
const button = byId("classify");
const picker = byId("file");
const sentencesBox = byId("sentences");
const limits = { maxChars: Number(app.dataset.maxChars), maxBytes: Number(app.dataset.maxBytes) };
const names = labelNames();
let shown = null; // the /classify response on screen
let selected = null; // the sentence in the details panel
let latestRequest = 0; // answers to older requests are dropped
const keyBox = byId("api-key"); // present only when the deployment requires API keys
const KEY_STORE = "framing-api-key";

// The key lives in sessionStorage: it survives a reload of this tab, never other tabs or a closed browser.
function apiKey() {
  return keyBox ? keyBox.value.trim() : "";
}
if (keyBox) {
  keyBox.value = sessionStorage.getItem(KEY_STORE) || "";
  keyBox.addEventListener("change", () => sessionStorage.setItem(KEY_STORE, apiKey()));
}

function updateCount() {
  const count = Array.from(article.value).length;
  const counter = byId("char-count");
  counter.textContent = `${count.toLocaleString("en")} / ${limits.maxChars.toLocaleString("en")} characters`;
  counter.classList.toggle("over", count > limits.maxChars);
}

function setStatus(message) {
  byId("status").textContent = message;
}

function showError(message) {
  const box = byId("error");
  box.textContent = message;
  box.hidden = false;
  setStatus("");
}

function show(response, text) {
  shown = response;
  renderSentences(sentencesBox, text, response.sentences, names);
  renderSummary(response.summary, names);
  clearDetails();
  byId("model-version").textContent = `Model ${response.model.version}`;
  byId("results").hidden = false;
}

async function run() {
  const text = article.value;
  const request = ++latestRequest;
  byId("error").hidden = true;
  setStatus("Classifying…");
  button.disabled = true;
  app.setAttribute("aria-busy", "true");
  try {
    const response = await classify(app.dataset.classifyUrl, text, byId("language").value, limits, apiKey());
    if (request !== latestRequest) return;
    show(response, text);
    const count = response.sentences.length;
    setStatus(`${count} sentence${count === 1 ? "" : "s"} classified. Select one to see its scores.`);
  } catch (error) {
    if (request !== latestRequest) return;
    shown = null;
    byId("results").hidden = true;
    showError(error instanceof ClassifyError ? error.message : `Something went wrong on this page: ${error}`);
  } finally {
    if (request === latestRequest) {
      button.disabled = false;
      app.removeAttribute("aria-busy");
    }
  }
}

function select(span) {
  for (const other of sentencesBox.querySelectorAll(".sentence.selected")) {
    other.classList.remove("selected");
    other.setAttribute("aria-pressed", "false");
  }
  span.classList.add("selected");
  span.setAttribute("aria-pressed", "true");
  selected = shown.sentences[Number(span.dataset.index)];
  renderDetails(selected, names);
  byId("correct-status").textContent = "";
}

// The second click of a correction: select a sentence, then press the framing it should have.
async function correct(label) {
  if (!selected) return;
  const status = byId("correct-status");
  status.textContent = "Sending the correction…";
  try {
    const record = await sendCorrection(app.dataset.feedbackUrl, selected, label, shown.model.version, apiKey());
    status.textContent = `Thank you: correction #${record.id} (${names[label] || label}) is stored for review.`;
  } catch (error) {
    status.textContent = error instanceof ClassifyError ? error.message : `Something went wrong: ${error}`;
  }
}

function moveFocus(span, key) {
  const all = Array.from(sentencesBox.querySelectorAll(".sentence"));
  const here = all.indexOf(span);
  const target = { ArrowDown: here + 1, ArrowRight: here + 1, ArrowUp: here - 1, ArrowLeft: here - 1,
    Home: 0, End: all.length - 1 }[key];
  if (all[target]) all[target].focus();
}

async function openFile() {
  const chosen = picker.files[0];
  picker.value = ""; // so that opening the same file again fires "change"
  if (!chosen) return;
  if (chosen.size > limits.maxBytes) {
    showError(`“${chosen.name}” is too large: the service accepts at most ${limits.maxBytes / 1048576} MB.`);
    return;
  }
  let text;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(await chosen.arrayBuffer());
  } catch (error) {
    showError(`“${chosen.name}” is not UTF-8 text. Save it as plain text in UTF-8 and open it again.`);
    return;
  }
  article.value = text;
  updateCount();
  await run();
}

button.addEventListener("click", run);
byId("correct").addEventListener("click", (event) => {
  const choice = event.target.closest(".correct-label");
  if (choice) correct(choice.dataset.label);
});
picker.addEventListener("change", openFile);
article.addEventListener("input", updateCount);
article.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    run();
  }
});
sentencesBox.addEventListener("click", (event) => {
  const span = event.target.closest(".sentence");
  if (span) select(span);
});
sentencesBox.addEventListener("keydown", (event) => {
  const span = event.target.closest(".sentence");
  if (!span) return;
  if (event.key === "Enter" || event.key === " ") {
    event.preventDefault(); // Space would scroll the box
    select(span);
  } else if (["ArrowDown", "ArrowRight", "ArrowUp", "ArrowLeft", "Home", "End"].includes(event.key)) {
    event.preventDefault();
    moveFocus(span, event.key);
  }
});
updateCount();
app.dataset.ready = "true";
