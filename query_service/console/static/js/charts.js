// Small SVG charts: a line chart, a bar chart and a 7 x 24 heatmap. Each chart's root
// carries data-points / data-nonzero so a reader (or a test) can see what it drew.
import { svg } from "./dom.js";

const W = 640, H = 220, PAD = { l: 48, r: 12, t: 12, b: 28 };

function frame(label, points, nonzero) {
  return svg("svg", {
    viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": label, class: "chart",
    "data-points": points, "data-nonzero": nonzero,
  });
}

function axes(root, maxY, format, xLabels) {
  const innerH = H - PAD.t - PAD.b;
  for (let i = 0; i <= 4; i += 1) {
    const y = PAD.t + innerH - (innerH * i) / 4;
    root.append(svg("line", { x1: PAD.l, x2: W - PAD.r, y1: y, y2: y, class: "gridline" }));
    root.append(svg("text", { x: PAD.l - 6, y: y + 4, class: "tick", "text-anchor": "end" },
      document.createTextNode(format((maxY * i) / 4))));
  }
  const step = Math.max(1, Math.ceil(xLabels.length / 8));
  xLabels.forEach((text, i) => {
    if (i % step) return;
    const x = PAD.l + ((W - PAD.l - PAD.r) * (i + 0.5)) / xLabels.length;
    root.append(svg("text", { x, y: H - 8, class: "tick", "text-anchor": "middle" },
      document.createTextNode(text)));
  });
}

export function lineChart(label, series, xLabels, format) {
  const values = series.flatMap((s) => s.values.filter((v) => v !== null));
  const maxY = Math.max(1e-9, ...values);
  const root = frame(label, xLabels.length, values.filter((v) => v > 0).length);
  axes(root, maxY, format, xLabels);
  const innerW = W - PAD.l - PAD.r, innerH = H - PAD.t - PAD.b;
  series.forEach((s, si) => {
    const pts = s.values.map((v, i) => (v === null ? null : [
      PAD.l + (innerW * (i + 0.5)) / s.values.length, PAD.t + innerH - (innerH * v) / maxY,
    ])).filter(Boolean);
    if (!pts.length) return;
    root.append(svg("polyline", { points: pts.map((p) => p.join(",")).join(" "), class: `line s${si}` }));
  });
  return root;
}

export function barChart(label, values, xLabels, format) {
  const maxY = Math.max(1e-9, ...values);
  const root = frame(label, values.length, values.filter((v) => v > 0).length);
  axes(root, maxY, format, xLabels);
  const innerW = W - PAD.l - PAD.r, innerH = H - PAD.t - PAD.b;
  const slot = innerW / Math.max(1, values.length);
  values.forEach((v, i) => {
    const h = (innerH * v) / maxY;
    root.append(svg("rect", {
      x: PAD.l + slot * i + slot * 0.15, y: PAD.t + innerH - h, width: slot * 0.7, height: h,
      class: "bar",
    }, svg("title", {}, document.createTextNode(`${xLabels[i]}: ${format(v)}`))));
  });
  return root;
}

// cells: 7 rows (Mon..Sun) x 24 columns of numbers.
export function heatmap(label, cells, format) {
  const cw = 24, ch = 22, left = 40, top = 18;
  const flat = cells.flat();
  const maxV = Math.max(1e-9, ...flat);
  const root = svg("svg", {
    viewBox: `0 0 ${left + cw * 24 + 4} ${top + ch * 7 + 4}`, role: "img", "aria-label": label,
    class: "chart heat", "data-points": flat.length, "data-nonzero": flat.filter((v) => v > 0).length,
  });
  const days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
  for (let h = 0; h < 24; h += 3) {
    root.append(svg("text", { x: left + cw * h + cw / 2, y: 12, class: "tick", "text-anchor": "middle" },
      document.createTextNode(String(h).padStart(2, "0"))));
  }
  cells.forEach((row, d) => {
    root.append(svg("text", { x: left - 6, y: top + ch * d + 15, class: "tick", "text-anchor": "end" },
      document.createTextNode(days[d])));
    row.forEach((v, h) => {
      const level = Math.min(5, Math.ceil((v / maxV) * 5));
      root.append(svg("rect", {
        x: left + cw * h, y: top + ch * d, width: cw - 2, height: ch - 2, class: `cell l${level}`,
      }, svg("title", {}, document.createTextNode(`${days[d]} ${String(h).padStart(2, "0")}:00 — ${format(v)}`))));
    });
  });
  return root;
}
