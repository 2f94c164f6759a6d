// The request editor: its text, formatting, locating a JSON Pointer or a byte offset in it,
// selecting a problem's place, and keeping the text in the URL fragment.
import { $ } from './dom.js';

export function editorText() { return $('body').value; }

export function setEditorText(text) { $('body').value = text; }

// Two-space JSON with every innermost array of numbers on one line.
export function pretty(value) {
  return JSON.stringify(value, null, 2).replace(/\[\s*((?:-?[\d.eE+-]+\s*,\s*)*-?[\d.eE+-]+)\s*\]/g,
    (_, inner) => '[' + inner.split(/\s*,\s*/).join(', ') + ']');
}

export function setEditor(body) { setEditorText(pretty(body)); }

// { body } when the editor holds JSON, else { error } saying why.
export function parseEditor() {
  try {
    return { body: JSON.parse(editorText()) };
  } catch (e) {
    return { error: 'The editor does not hold valid JSON (' + e.message + '): fix it, then press Compute.' };
  }
}

const utf8Length = (text) => new TextEncoder().encode(text).length;

// The index in `text` (UTF-16 units) of the UTF-8 byte `offset` the server counted.
export function indexOfByte(text, offset) {
  let at = 0;
  for (let bytes = 0; at < text.length && bytes < offset; ) {
    const c = text.codePointAt(at);
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    at += c >= 0x10000 ? 2 : 1;
  }
  return at;
}

// A byte offset in the text sent back to the editor's text, when the text sent was the editor's
// with [start, end) replaced by `added`.
export function offsetBeforeSplice(editor, [start, end, added], offset) {
  const before = utf8Length(editor.slice(0, start));
  const removed = utf8Length(editor.slice(start, end));
  const inserted = utf8Length(added);
  return offset >= before + inserted ? offset - inserted + removed : Math.min(offset, before);
}

// The [start, end) in `text` a problem names: its pointer's value, or a malformed body's place.
export function rangeOf(text, problem) {
  if (problem.pointer) {
    const range = locate(text, problem.pointer);
    if (range) return range;
  }
  if (Number.isInteger(problem.offset)) {
    const at = indexOfByte(text, problem.offset);
    return [at, Math.min(text.length, at + 1)];
  }
  return null;
}

// Selects [start, end) in the editor, and says so in data attributes (for tests and tools).
export function select(range) {
  const editor = $('body');
  editor.dataset.highlightStart = String(range[0]);
  editor.dataset.highlightEnd = String(range[1]);
  editor.focus({ preventScroll: true });
  editor.setSelectionRange(range[0], range[1]);
}

// The [start, end) of the value at a JSON Pointer in JSON text, by a scan that keeps positions;
// a missing member gives its nearest enclosing value; null when the text is not JSON.
export function locate(text, pointer) {
  let i = 0;
  const space = () => { while (i < text.length && ' \t\r\n'.includes(text[i])) i++; };
  function str() {
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i));
  }
  // Returns {start, end, children}: children maps keys or indices to nodes.
  function value() {
    space();
    const start = i;
    const c = text[i];
    const children = new Map();
    if (c === '{') {
      i++; space();
      if (text[i] === '}') { i++; return { start, end: i, children }; }
      for (;;) {
        space();
        const key = str();
        space(); i++; // :
        children.set(key, value());
        space();
        if (text[i] === ',') { i++; continue; }
        i++; break;
      }
    } else if (c === '[') {
      i++; space();
      if (text[i] === ']') { i++; return { start, end: i, children }; }
      for (let k = 0; ; k++) {
        children.set(String(k), value());
        space();
        if (text[i] === ',') { i++; continue; }
        i++; break;
      }
    } else if (c === '"') {
      str();
    } else {
      while (i < text.length && !',]} \t\r\n'.includes(text[i])) i++;
    }
    return { start, end: i, children };
  }
  try {
    let node = value();
    const tokens = pointer.split('/').slice(1).map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
    for (const t of tokens) {
      const next = node.children.get(t);
      if (!next) break;
      node = next;
    }
    return [node.start, node.end];
  } catch (_) {
    return null;
  }
}

// ---- The URL fragment: #body=<the editor's text, base64url of its UTF-8> ----
// A fragment never leaves the browser: opening the link sends nothing to any server but this
// one's API, when the page computes what it holds.

export function fragmentFor(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return '#body=' + btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// The text a fragment holds, null when it holds none, or an Error when it is damaged.
export function textOfFragment(hash) {
  const match = /^#body=([A-Za-z0-9_-]+)$/.exec(hash || '');
  if (!match) return hash && hash.startsWith('#body=') ? new Error('the link\'s #body= is empty or not base64url') : null;
  try {
    const binary = atob(match[1].replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    return new Error('the link\'s #body= does not decode (' + e.message + ')');
  }
}
