// DOM building (no markup injection, no inline styles under the CSP); the one bulk
// path that parses HTML escapes every value with esc().
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// Text made safe for an HTML string (bulk rendering of thousands of rows).
const ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const esc = (value) => String(value).replace(/[&<>"']/g, (c) => ENTITIES[c]);

const SVG = "http://www.w3.org/2000/svg";
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined) node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) if (child) node.append(child);
  return node;
}

export function field(label, input) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  return el("div", { class: "field" }, el("label", { for: id, text: label }), input);
}

export function select(name, options, value) {
  const node = el("select", { name });
  for (const [optionValue, text] of options) {
    node.append(el("option", { value: optionValue, text, selected: optionValue === value }));
  }
  return node;
}

// Each cell is labelled with its column, so narrow screens can show rows as cards.
export function labelCells(row, headers) {
  [...row.children].forEach((cell, i) => { if (headers[i]) cell.dataset.label = headers[i]; });
  return row;
}

export function table(headers, rows, className = "grid") {
  rows.forEach((row) => labelCells(row, headers));
  return el(
    "div", { class: "scroll" },
    el("table", { class: className },
      el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, rows)),
  );
}
