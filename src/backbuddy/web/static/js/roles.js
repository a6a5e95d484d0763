// Who is who when pose runs in the page (issue 15, item 2; server side: web/page_roles.py).
// The page's pose model follows one person, often the assistant. So, with the two-person
// step on (hello.roles), the page runs the people detector itself when the server wants
// to know who is who and sends the people found (RolePeople), or, where that detector
// cannot run, a small picture goes to the backbuddy server (RoleFrames, main thread):
// each answer (a `role` message) says when the next is wanted (`next_ms`: a few at the
// start, then one every 2 s), and a `role_wanted` message asks for one at once (the
// landmarks jumped). The answer carries the receiver's
// box and everyone's keypoints, and the pose worker runs the model on a crop around the
// receiver with the others greyed out (cropFor, paintOthers: the page's twin of
// adapters/receiver_pose.py), mapping the landmarks back to the whole frame (toFrame).

// A role frame is at most this many pixels on its long side (the people detector's input).
export const ROLE_MAX_SIDE = 384;
// Role frames a second before the server has said otherwise (its settling rate).
export const ROLE_FPS = 2.5;
const QUALITY = 0.7;
// A role frame unanswered after this long no longer holds the next one back.
const ANSWER_TIMEOUT_MS = 2000;
// How often the page checks whether a role frame is due.
const TICK_MS = 50;
// The page's people detector failing this many times in a row: role frames instead.
const BROKEN_AFTER = 3;
// …or not loaded within this long (the pose model waits for it to start).
const LOAD_TIMEOUT_MS = 20000;
// The page's people detector not answering a frame within this long has hung (it neither
// replies nor fails, and would be sent nothing more): role frames instead, at once.
export const HANG_MS = 5000;

// The crop adds this much of the receiver's box on each side (above: the head and arms).
const PAD_SIDE = 0.25, PAD_TOP = 0.3, PAD_BOTTOM = 0.15;
const GREY = "rgb(127,127,127)";
// COCO skeleton edges drawn as limbs when masking a person; head keypoints 0..4.
const EDGES = [[5, 6], [5, 7], [7, 9], [6, 8], [8, 10], [5, 11], [6, 12], [11, 12],
  [11, 13], [13, 15], [12, 14], [14, 16], [0, 5], [0, 6]];
const MIN_SCORE = 0.3;
const LIMB = 0.06, HEAD_R = 0.09;

// Sends role frames while the page runs pose itself, when the server wants them; one waits
// for its answer at a time.
export class RoleFrames {
  constructor(video, send) {
    this.video = video;
    this.send = send;
    this.canvas = document.createElement("canvas");
    this.timer = null;
    this.waiting = null; // { ms, at } of the frame awaiting its answer
    this.dueAt = 0; // performance.now() from which the next role frame is wanted
    this.asked = false; // role_wanted came while a role frame awaited its answer
    this.stats = { sent: 0, answered: 0, receiver: 0, bytes: 0, wanted: 0 };
  }

  start() {
    if (this.timer === null) this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
  }

  answered(msg) {
    this.stats.answered += 1;
    if (msg.identity === "receiver") this.stats.receiver += 1;
    if (this.waiting && msg.ms >= this.waiting.ms) {
      this.waiting = null;
      // A role_wanted that came while this answer was awaited still counts: its picture
      // may have been taken before the jump the server saw.
      this.dueAt = this.asked ? 0 : performance.now() + (msg.next_ms ?? 1000 / ROLE_FPS);
      this.asked = false;
    }
  }

  // The server wants a role frame now (role_wanted); one in flight answers first.
  wanted() {
    this.stats.wanted += 1;
    this.dueAt = 0;
    this.asked = this.waiting !== null;
    if (this.timer !== null) this.tick();
  }

  tick() {
    const now = performance.now();
    if (now < this.dueAt) return;
    if (this.waiting && now - this.waiting.at < ANSWER_TIMEOUT_MS) return;
    this.capture();
  }

  capture() {
    const now = performance.now();
    if (this.waiting && now - this.waiting.at < ANSWER_TIMEOUT_MS) return;
    const { videoWidth: vw, videoHeight: vh } = this.video;
    if (!vw || !vh) return;
    const scale = Math.min(1, ROLE_MAX_SIDE / Math.max(vw, vh));
    this.canvas.width = Math.round(vw * scale);
    this.canvas.height = Math.round(vh * scale);
    this.canvas.getContext("2d").drawImage(this.video, 0, 0, this.canvas.width, this.canvas.height);
    // The frame's time on the clock the landmarks' `ms` use (performance.now()).
    const ms = Math.round(now * 10) / 10;
    this.waiting = { ms, at: now };
    this.canvas.toBlob(async (blob) => {
      if (!blob || this.timer === null) return;
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let text = "";
      for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      if (this.send({ v: 1, type: "role_frame", ms, jpeg: btoa(text) })) {
        this.stats.sent += 1;
        this.stats.bytes = bytes.length;
      }
    }, "image/jpeg", QUALITY);
  }
}

// The same schedule, but the people detector runs here (people_worker.js, MoveNet on
// @litertjs/core): the picture stays on this device and only the people found go to the
// server (`role_people`), which applies its own role rule to them and answers as for a role
// frame. `load()` rejects when the runtime or model cannot start here: the caller then falls
// back to RoleFrames (pictures to the server) and says so.
export class RolePeople extends RoleFrames {
  constructor(video, send) {
    super(video, send);
    this.worker = null;
    this.busy = false;
    this.busySince = 0; // performance.now() when the frame being worked on was taken
    this.stats.inferMs = [];
    this.stats.where = "page";
  }

  async load() {
    this.worker = new Worker("/static/js/people_worker.js");
    const loaded = new Promise((resolve, reject) => {
      this.worker.onmessage = ({ data }) => (data.type === "loaded" ? resolve() : reject(new Error(data.message)));
      this.worker.onerror = (e) => reject(new Error(e.message || "the people worker failed"));
      setTimeout(() => reject(new Error("it took too long to load")), LOAD_TIMEOUT_MS);
    });
    this.worker.postMessage({ type: "load", longSide: ROLE_MAX_SIDE });
    try {
      await loaded;
    } catch (err) {
      this.stop();
      throw err;
    }
    this.worker.onmessage = ({ data }) => this.found(data);
    this.worker.onerror = (e) => this.found({ type: "failed", message: e.message || "the people worker failed" });
  }

  stop() {
    super.stop();
    if (this.worker) this.worker.terminate();
    this.worker = null;
  }

  async capture() {
    const now = performance.now();
    if (this.busy && now - this.busySince >= HANG_MS) {
      // A hung worker answers nothing more: broken now, not after BROKEN_AFTER more frames.
      this.failures = BROKEN_AFTER - 1;
      this.found({ type: "failed", message: `it did not answer within ${HANG_MS / 1000} s` });
      return;
    }
    if (this.busy || !this.worker || (this.waiting && now - this.waiting.at < ANSWER_TIMEOUT_MS)) return;
    const { videoWidth: vw, videoHeight: vh } = this.video;
    if (!vw || !vh) return;
    const scale = Math.min(1, ROLE_MAX_SIDE / Math.max(vw, vh));
    const ms = Math.round(now * 10) / 10;
    this.busy = true;
    this.busySince = now;
    let bitmap;
    try {
      bitmap = await createImageBitmap(this.video, {
        resizeWidth: Math.round(vw * scale), resizeHeight: Math.round(vh * scale), resizeQuality: "medium",
      });
    } catch {
      this.busy = false;
      return;
    }
    if (!this.worker) return bitmap.close();
    this.waiting = { ms, at: now };
    this.worker.postMessage({ type: "frame", bitmap, ms }, [bitmap]);
  }

  found(data) {
    this.busy = false;
    if (this.timer === null) return;
    if (data.type !== "people") {
      // Retried at the settling rate; after BROKEN_AFTER failures in a row the caller falls
      // back to role frames (onBroken). Meanwhile no answer comes: the landmarks turn unsure.
      this.stats.failed = data.message;
      this.failures = (this.failures || 0) + 1;
      this.waiting = null;
      this.dueAt = performance.now() + 1000 / ROLE_FPS;
      if (this.failures >= BROKEN_AFTER && this.onBroken) this.onBroken(data.message);
      return;
    }
    this.failures = 0;
    this.stats.inferMs.push(Math.round(data.inferMs));
    if (this.stats.inferMs.length > 100) this.stats.inferMs.shift();
    const r = (v) => Math.round(v * 1e4) / 1e4;
    const people = data.people.map(([kp, box, score]) => [kp.map(([x, y, s]) => [r(x), r(y), r(s)]), box.map(r), r(score)]);
    if (this.send({ v: 1, type: "role_people", ms: data.ms, size: data.size, people })) this.stats.sent += 1;
  }
}

// The receiver's box (0..1) padded, in the frame's pixels, clipped to it.
function cropAround(box, w, h) {
  const bw = (box[2] - box[0]) * w, bh = (box[3] - box[1]) * h;
  const x0 = Math.max(0, Math.floor(box[0] * w - PAD_SIDE * bw));
  const x1 = Math.min(w, Math.ceil(box[2] * w + PAD_SIDE * bw));
  const y0 = Math.max(0, Math.floor(box[1] * h - PAD_TOP * bh));
  const y1 = Math.min(h, Math.ceil(box[3] * h + PAD_BOTTOM * bh));
  return { x0, y0, x1: Math.max(x1, x0 + 2), y1: Math.max(y1, y0 + 2) };
}

const area = (c) => (c.x1 - c.x0) * (c.y1 - c.y0);

// Keep the crop while the receiver's box stays inside it and it is not far too large (the
// model's tracking and smoothing then see a steady picture); else a new one.
export function cropFor(current, box, w, h) {
  const wanted = cropAround(box, w, h);
  if (current && box[0] * w >= current.x0 && box[1] * h >= current.y0 && box[2] * w <= current.x1
    && box[3] * h <= current.y1 && area(current) <= 1.8 * area(wanted)) return current;
  return wanted;
}

// One person's body on a 2D context, in crop pixels: thick lines along the trusted skeleton
// edges and a disc on the head (sizes × scale, in the long side of the person's box).
function drawBody(ctx, kp, box, crop, w, h, scale) {
  const pts = kp.map(([x, y, s]) => [x * w - crop.x0, y * h - crop.y0, s]);
  const length = Math.max((box[2] - box[0]) * w, (box[3] - box[1]) * h);
  ctx.lineWidth = Math.max(2, Math.round(2 * LIMB * scale * length));
  ctx.lineCap = "round";
  ctx.beginPath();
  for (const [a, b] of EDGES) {
    if (pts[a][2] >= MIN_SCORE && pts[b][2] >= MIN_SCORE) {
      ctx.moveTo(pts[a][0], pts[a][1]);
      ctx.lineTo(pts[b][0], pts[b][1]);
    }
  }
  ctx.stroke();
  const head = pts.slice(0, 5).filter((p) => p[2] >= MIN_SCORE);
  if (head.length) {
    const cx = head.reduce((s, p) => s + p[0], 0) / head.length;
    const cy = head.reduce((s, p) => s + p[1], 0) / head.length;
    const spread = head.length > 1 ? Math.max(...head.map((p) => p[0])) - Math.min(...head.map((p) => p[0])) : 0;
    ctx.beginPath();
    ctx.arc(cx, cy, Math.max(2, Math.max(0.9 * spread, HEAD_R * length) * scale), 0, 2 * Math.PI);
    ctx.fill();
  }
}

// Grey over everyone else's body in the crop, but not over the receiver's: `mask` is an
// OffscreenCanvas of the crop's size, painted once per role answer and crop.
export function paintOthers(mask, role, crop, w, h) {
  const ctx = mask.getContext("2d");
  ctx.clearRect(0, 0, mask.width, mask.height);
  if (!role.others.length) return false;
  ctx.globalCompositeOperation = "source-over";
  ctx.fillStyle = ctx.strokeStyle = GREY;
  role.others.forEach((kp, i) => drawBody(ctx, kp, role.others_boxes[i], crop, w, h, 1.3));
  ctx.globalCompositeOperation = "destination-out";
  ctx.fillStyle = ctx.strokeStyle = "#000";
  drawBody(ctx, role.receiver, role.box, crop, w, h, 1.0);
  ctx.globalCompositeOperation = "source-over";
  return true;
}

// Landmarks normalised to the crop → normalised to the whole frame (z scales with x).
export function toFrame(points, crop, w, h) {
  if (!points) return points;
  const cw = crop.x1 - crop.x0, ch = crop.y1 - crop.y0;
  return points.map((p) => ({
    ...p, x: (p.x * cw + crop.x0) / w, y: (p.y * ch + crop.y0) / h, z: (p.z * cw) / w,
  }));
}
