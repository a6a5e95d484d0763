// The two-person step's people detector, in the page (issue 15, item 2): Google's MoveNet
// MultiPose on npm @litertjs/core, in a worker so the page's own thread (Stop) is never held
// up. A classic worker, not a module one: LiteRT's WASM loader is a classic script it
// brings in with importScripts; its ES module comes in with a dynamic import(). Every file
// comes from this server's /static/vendor (scripts/vendor_movenet.py); nothing is
// downloaded. The picture stays here: only the people found (keypoints, boxes, scores) go
// back to the page, which sends them to the server for its role rule (roles.js).

const CORE = "/static/vendor/litertjs/core";
const MODELS = "/static/vendor/movenet";
// MoveNet's input: the frame scaled so its long side is this, each side padded up to a
// multiple of 32 (adapters/movenet.py does the same on the server).
let longSide = 384;
const STRIDE = 32;

let lite = null;
let shapes = [];
const models = new Map(); // "WxH" → compiled model
let canvas = null;
let small = null;
// The detector gets the picture the server's detector was measured on (a role frame: 384 px,
// JPEG at quality 0.7, roles.js): measured on the side-lying two-person clip, MoveNet found
// the lying receiver in 13 of 16 frames after that round trip and in 8 of 16 without it (0 of
// 16 with a camera's sensor noise, where the JPEG still gave 13): without her only the
// kneeling assistant is found, and the session stays unsure.
const QUALITY = 0.7;

// The frame scaled to sw × sh, through JPEG at QUALITY (as a role frame goes to the server).
async function asRoleFrame(bitmap, sw, sh) {
  if (!small || small.width !== sw || small.height !== sh) small = new OffscreenCanvas(sw, sh);
  small.getContext("2d").drawImage(bitmap, 0, 0, sw, sh);
  const jpeg = await small.convertToBlob({ type: "image/jpeg", quality: QUALITY });
  return createImageBitmap(jpeg);
}

async function load(side) {
  longSide = side || longSide;
  lite = await import(`${CORE}/dist/index.js`);
  // In a worker the WASM loader looks for its .wasm beside the worker's script: point it home.
  self.Module = { locateFile: (file) => `${CORE}/wasm/${file}` };
  await lite.loadLiteRt(`${CORE}/wasm/`);
  const manifest = await (await fetch(`${MODELS}/MANIFEST.json`)).json();
  shapes = manifest.shapes;
}

// The input shape for a frame: the server's own (long side `longSide`, padded up to 32), or
// the smallest vendored shape that holds it.
function inputFor(vw, vh) {
  const scale = longSide / Math.max(vw, vh);
  const sw = Math.max(1, Math.round(vw * scale)), sh = Math.max(1, Math.round(vh * scale));
  const need = [Math.ceil(sw / STRIDE) * STRIDE, Math.ceil(sh / STRIDE) * STRIDE];
  const fits = shapes.filter(([w, h]) => w >= need[0] && h >= need[1] && Math.max(w, h) === longSide);
  if (!fits.length) throw new Error(`no people model for a ${vw}×${vh} frame`);
  fits.sort((a, b) => a[0] * a[1] - b[0] * b[1]);
  return { w: fits[0][0], h: fits[0][1], sw, sh };
}

async function modelFor(w, h) {
  const key = `${w}x${h}`;
  if (!models.has(key)) {
    models.set(key, await lite.loadAndCompile(`${MODELS}/movenet_${key}.tflite`, { accelerator: "wasm" }));
  }
  return models.get(key);
}

// MoveNet's rows (6 × 56: 17 × (y, x, score) on the input's 0..1, box y0 x0 y1 x1, score)
// → the same numbers normalised to the frame: [17 × [x, y, score], [x0, y0, x1, y1], score].
function people(raw, w, h, sw, sh) {
  const fx = w / sw, fy = h / sh; // input 0..1 → frame 0..1
  const found = [];
  for (let p = 0; p < 6; p++) {
    const row = raw.subarray(p * 56, p * 56 + 56);
    const kp = [];
    for (let k = 0; k < 17; k++) kp.push([row[3 * k + 1] * fx, row[3 * k] * fy, row[3 * k + 2]]);
    found.push([kp, [row[52] * fx, row[51] * fy, row[54] * fx, row[53] * fy], row[55]]);
  }
  return found;
}

async function detect({ bitmap, ms }) {
  const started = performance.now();
  const { width: vw, height: vh } = bitmap;
  let input;
  const { w, h, sw, sh } = inputFor(vw, vh);
  let picture = null;
  try {
    picture = await asRoleFrame(bitmap, sw, sh);
    if (!canvas || canvas.width !== w || canvas.height !== h) canvas = new OffscreenCanvas(w, h);
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, w, h);
    ctx.drawImage(picture, 0, 0);
    const rgba = ctx.getImageData(0, 0, w, h).data;
    input = new Uint8Array(w * h * 3);
    for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
      input[j] = rgba[i];
      input[j + 1] = rgba[i + 1];
      input[j + 2] = rgba[i + 2];
    }
  } finally {
    bitmap.close();
    if (picture) picture.close();
  }
  const model = await modelFor(w, h);
  const tensor = new lite.Tensor(input, [1, h, w, 3]);
  let outputs;
  try {
    outputs = await model.run(tensor);
  } finally {
    tensor.delete();
  }
  const raw = outputs[0].toTypedArray();
  const found = people(raw, w, h, sw, sh);
  for (const t of outputs) t.delete();
  return { type: "people", ms, size: [vw, vh], input: [w, h], people: found, inferMs: performance.now() - started };
}

self.onmessage = async ({ data }) => {
  try {
    if (data.type === "load") {
      await load(data.longSide);
      self.postMessage({ type: "loaded" });
    } else if (data.type === "frame") {
      self.postMessage(await detect(data));
    }
  } catch (err) {
    self.postMessage({ type: "failed", message: String((err && err.message) || err) });
  }
};
