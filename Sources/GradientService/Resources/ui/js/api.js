// Talking to the server that served the page, and to nothing else.

// POSTs `text` as is; resolves to { status, json, text } (json null when the answer is not
// JSON), rejects when the server does not answer.
export async function post(path, text, token) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = 'Bearer ' + token;
  const response = await fetch(path, { method: 'POST', headers, body: text });
  const answer = await response.text();
  let json = null;
  try { json = JSON.parse(answer); } catch (_) { /* not JSON: shown as text */ }
  return { status: response.status, json, text: answer };
}

// /ui/config.json: whether a token is needed, and the API's words.
export async function configuration() {
  const response = await fetch('/ui/config.json');
  if (!response.ok) throw new Error('HTTP ' + response.status);
  return response.json();
}
