// Calls POST /classify and turns every failure into a sentence a journalist can act on.

export class ClassifyError extends Error {}

const codePoints = (text) => Array.from(text).length;

const megabytes = (bytes) => `${Math.round(bytes / 104857.6) / 10} MB`;

function fieldMessages(body) {
  const errors = (body && body.errors) || {};
  return Object.values(errors).flat().filter((message) => typeof message === "string");
}

// The words shown for an error answer from the API, given the text that was sent.
export function describeError(status, body, text, limits) {
  const message = (body && body.message) || "";
  const details = fieldMessages(body);
  if (status === 413) {
    return `The article is too large to send: the service accepts at most ${megabytes(limits.maxBytes)} ` +
      "per request. Split it into parts and classify each part.";
  }
  if (status === 422 || status === 400) {
    if (!text.trim()) {
      return "There is no text to classify: paste an article or open a .txt file first.";
    }
    if (codePoints(text) > limits.maxChars) {
      return `The article is too long: it has ${codePoints(text).toLocaleString("en")} characters and the ` +
        `limit is ${limits.maxChars.toLocaleString("en")}. Split it into parts and classify each part.`;
    }
    if (details.some((detail) => /sentences/.test(detail))) {
      return `The article is too long: ${details.join(" ")} Split it into parts and classify each part.`;
    }
    return `The service could not classify this text: ${[message, ...details].filter(Boolean).join(" ")}`;
  }
  if (status === 401) {
    return "The service needs an API key for this: enter a valid key in the API key box and try again.";
  }
  if (status === 503) {
    return `The model is not loaded on the server, so nothing can be classified right now. ${message}`.trim();
  }
  return `The service answered with an error (HTTP ${status}). ${message}`.trim();
}

// The request headers: JSON both ways, plus the API key when the page has one.
function headers(apiKey) {
  const result = { "Content-Type": "application/json", Accept: "application/json" };
  if (apiKey) result["X-API-Key"] = apiKey;
  return result;
}

// POST a corrected label for one sentence; resolves to the stored record or rejects with words.
export async function sendCorrection(url, sentence, label, modelVersion, apiKey = "") {
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: headers(apiKey),
      body: JSON.stringify({ text: sentence.text, label, predicted: sentence.label, model_version: modelVersion,
        language: sentence.language }),
    });
  } catch (error) {
    throw new ClassifyError("The correction could not be sent: the service could not be reached.");
  }
  const answer = await response.json().catch(() => null);
  if (!response.ok) {
    const message = response.status === 401 ? describeError(401, answer, sentence.text, {})
      : (answer && answer.message) || `HTTP ${response.status}`;
    throw new ClassifyError(`The correction was not stored: ${[message, ...fieldMessages(answer)].join(" ")}`);
  }
  return answer;
}

// POST the article; resolves to the /classify response or rejects with a ClassifyError in words.
export async function classify(url, text, language, limits, apiKey = "") {
  const body = { text, explain: true };
  if (language) body.language = language;
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: headers(apiKey),
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new ClassifyError("The service could not be reached. Check that it is running and try again.");
  }
  let answer = null;
  try {
    answer = await response.json();
  } catch (error) {
    answer = null;
  }
  if (!response.ok) {
    throw new ClassifyError(describeError(response.status, answer, text, limits));
  }
  if (!answer || !Array.isArray(answer.sentences)) {
    throw new ClassifyError("The service sent an answer this page does not understand. Try again.");
  }
  return answer;
}
