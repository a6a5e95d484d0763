// One frame's landmarks as the binary message the server reads fastest (docs/protocol.md,
// "landmarks"; server side: web/page_landmarks.py): a 32-byte header, then float32 arrays.
//
//   0-3 "BBL1" · 4 flags (1 image, 2 world, 4 role_ms given) · 5-7 zero · 8-9 width ·
//   10-11 height (uint16) · 12-15 zero · 16-23 ms · 24-31 role_ms (float64, 0 when not given)
//   · 32- image 33 × [x, y, z, visibility] float32, then world likewise. Little-endian.

const HEADER = 32;
const POINTS = 33 * 4;
const IMAGE = 1, WORLD = 2, ROLE_MS = 4;

// message: { image, world, size: [w, h], ms, role_ms } as the page's model gives them
// (image/world: 33 rows of [x, y, z, visibility], or null).
export function encodeLandmarks({ image, world, size, ms, role_ms: roleMs }) {
  const sets = image ? (world ? 2 : 1) : 0;
  const buffer = new ArrayBuffer(HEADER + sets * POINTS * 4);
  const head = new DataView(buffer);
  const flags = (image ? IMAGE : 0) | (image && world ? WORLD : 0) | (roleMs != null ? ROLE_MS : 0);
  [66, 66, 76, 49].forEach((c, i) => head.setUint8(i, c)); // "BBL1"
  head.setUint8(4, flags);
  head.setUint16(8, size[0], true);
  head.setUint16(10, size[1], true);
  head.setFloat64(16, ms, true);
  head.setFloat64(24, roleMs != null ? roleMs : 0, true);
  [image, sets === 2 ? world : null].forEach((set, k) => {
    if (!set) return;
    set.forEach((row, i) => row.forEach((v, c) => {
      head.setFloat32(HEADER + ((k * 33 + i) * 4 + c) * 4, v, true);
    }));
  });
  return buffer;
}
