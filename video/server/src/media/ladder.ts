/**
 * The rendition ladder: which rungs a source gets and their bitrates. Rungs come from
 * {1080, 720, 480, 360, 240} at or below the source's short side (its height for
 * landscape, its width for portrait — a 1080x1920 phone video's top rung is 1080x1920,
 * as YouTube and PeerTube name it), never upscaled, aspect kept, both dimensions even
 * (4:2:0 chroma needs it). Bitrates follow Apple's HLS authoring ladder for 30 fps
 * H.264, with maxrate 1.5× and a two-second VBV buffer so peaks stay bounded per segment.
 */
export interface Rung {
  /** '1080p', '720p', … (the short side); a sub-240 source's single rung is named after its own size. */
  name: string;
  width: number;
  height: number;
  videoKbps: number;
  maxrateKbps: number;
  bufsizeKbps: number;
  audioKbps: number;
}

const standardRungs: ReadonlyArray<{ shortSide: number; videoKbps: number; audioKbps: number }> = [
  { shortSide: 1080, videoKbps: 5000, audioKbps: 128 },
  { shortSide: 720, videoKbps: 2800, audioKbps: 128 },
  { shortSide: 480, videoKbps: 1400, audioKbps: 128 },
  { shortSide: 360, videoKbps: 800, audioKbps: 96 },
  { shortSide: 240, videoKbps: 400, audioKbps: 64 },
];

export function planLadder(source: { width: number; height: number }): Rung[] {
  const { width, height } = source;
  if (!(width > 0 && height > 0)) throw new RangeError(`invalid source size ${width}x${height}`);
  const portrait = height > width;
  const shortSide = Math.min(width, height);
  const longSide = Math.max(width, height);
  const fitting = standardRungs.filter((r) => r.shortSide <= shortSide);
  if (fitting.length === 0) {
    // Below 240: one rung at the source's own (even) size, bitrate scaled by pixel count.
    const w = Math.max(2, evenAtMost(width));
    const h = Math.max(2, evenAtMost(height));
    const videoKbps = Math.max(100, Math.round((400 * w * h) / (426 * 240)));
    return [rung(`${Math.min(w, h)}p`, w, h, videoKbps, 64)];
  }
  return fitting.map((r) => {
    const long = r.shortSide === shortSide ? evenAtMost(longSide) : even((longSide * r.shortSide) / shortSide);
    const short = r.shortSide;
    return rung(`${r.shortSide}p`, portrait ? short : long, portrait ? long : short, r.videoKbps, r.audioKbps);
  });
}

function rung(name: string, width: number, height: number, videoKbps: number, audioKbps: number): Rung {
  return { name, width, height, videoKbps, maxrateKbps: Math.round(videoKbps * 1.5), bufsizeKbps: videoKbps * 2, audioKbps };
}

/** Nearest even integer (round half up on the halved value). */
function even(value: number): number {
  return Math.round(value / 2) * 2;
}

/** Largest even integer not above the value: the source's own size must not grow by a pixel. */
function evenAtMost(value: number): number {
  return Math.floor(value / 2) * 2;
}
