// Who is who when pose runs in the page (issue 15, item 2; server side: web/page_roles.py).
// The page's pose model follows one person, often the assistant. So, with the two-person
// step on (hello.roles), the page runs the people detector itself when the server wants
// to know who is who and sends the people found (RolePeople), or, where that detector
// cannot run, a small picture goes to the backbuddy server (RoleFrames, main thread):
// each answer (a `role` message) says when the next is wanted (`next_ms`: a few at the
// start, then one every 2 s), and a `role_wanted` message asks for one at once (the
// landmarks jumped). The answer carries the receiver's
// box and everyone's keypoints, and the pose worker runs the model on a crop around the
// receiver with the others greyed out (cropFor here, the steady grey in mask.js: the page's
// twin of adapters/receiver_pose.py), mapping the landmarks back to the whole frame (toFrame).

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
    this.asked = false; // role_wanted came while a role frame was taken or awaited its answer
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

  // The server wants a role frame now (role_wanted); one in flight answers first. A role
  // frame taken after the want serves it (capture clears `asked`), so a want is never
  // served twice (one that timed out waiting is replaced at once by a new frame).
  wanted() {
    this.stats.wanted += 1;
    this.dueAt = 0;
    this.asked = this.waiting !== null || Boolean(this.busy);
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
    this.asked = false; // this picture is taken after every want so far
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
    this.asked = false; // this picture is taken after every want so far
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

// Landmarks normalised to the crop → normalised to the whole frame (z scales with x).
export function toFrame(points, crop, w, h) {
  if (!points) return points;
  const cw = crop.x1 - crop.x0, ch = crop.y1 - crop.y0;
  return points.map((p) => ({
    ...p, x: (p.x * cw + crop.x0) / w, y: (p.y * ch + crop.y0) / h, z: (p.z * cw) / w,
  }));
}
