// DOM helpers: elements, SVG, the article's symbols (W^2 → W<sup>2</sup>), colours and numbers.
// Nothing here knows the page's state.

export const $ = (id) => document.getElementById(id);
const SVG_NS = 'http://www.w3.org/2000/svg';

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

export function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue;
    if (k === 'text') e.textContent = v;
    else e.setAttribute(k, String(v));
  }
  for (const c of children) e.append(c);
  return e;
}

// "W^2" → [["W", null], ["2", 'sup']]; "δ^1_{1,2}" → δ, 1 raised, "1,2" lowered. Only a number, one
// letter or braces after _ lower it: leaky_relu stays a word.
export function scripts(text) {
  return String(text).split(/(\^(?:\{[^}]*\}|[^\s);_]+)|_(?:\{[^}]*\}|\d+|[a-zA-Z](?![a-zA-Z])))/)
    .filter((part) => part !== '')
    .map((part) => {
      if (/^[\^_]/.test(part)) return [part.slice(1).replace(/^\{|\}$/g, ''), part[0] === '^' ? 'sup' : 'sub'];
      return [part, null];
    });
}

// "W^2" → W<sup>2</sup>; "a^0" → a<sup>0</sup>; "δ^1_2" → δ<sup>1</sup><sub>2</sub>; other text as is.
export function symbol(text) {
  const span = el('span', { class: 'sym' });
  for (const [part, kind] of scripts(text)) span.append(kind ? el(kind, { text: part }) : part);
  return span;
}

// The same as symbol(), for SVG text: exponents and indices as shifted, smaller tspans.
export function svgSymbol(text, attrs) {
  const t = svg('text', attrs);
  for (const [part, kind] of scripts(text)) {
    t.append(kind
      ? svg('tspan', { 'baseline-shift': kind === 'sup' ? 'super' : 'sub', 'font-size': '70%', text: part })
      : svg('tspan', { text: part }));
  }
  return t;
}

// Appends the symbols to `node` as a list: "a, b and c".
export function appendSymbols(node, items) {
  items.forEach((item, k) => {
    if (k > 0) node.append(k === items.length - 1 ? ' and ' : ', ');
    node.append(symbol(item));
  });
}

// Diverging blue–white–red for t in [−1, 1].
export function colourFor(t) {
  const clamp = Math.max(-1, Math.min(1, t));
  const mix = (a, b, u) => Math.round(a + (b - a) * u);
  const [r, g, b] = clamp >= 0 ? [mix(255, 200, clamp), mix(255, 30, clamp), mix(255, 40, clamp)]
    : [mix(255, 40, -clamp), mix(255, 90, -clamp), mix(255, 200, -clamp)];
  return 'rgb(' + r + ',' + g + ',' + b + ')';
}

// A number as shown: four significant digits, a true minus sign.
export function fmt(v) {
  if (!Number.isFinite(v)) return String(v);
  const s = v === 0 ? '0' : Number(v.toPrecision(4)).toString();
  return s.replace(/^-/, '−');
}

// A number in a formula: the shown digits, the exact value in data-value and the tooltip.
export function num(v, { paren = false } = {}) {
  const text = fmt(v);
  return el('span', { class: 'num', 'data-value': String(v), title: String(v),
    text: paren && v < 0 ? '(' + text + ')' : text });
}
