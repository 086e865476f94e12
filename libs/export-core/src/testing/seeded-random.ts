/**
 * Mulberry32: a small, fast, deterministic PRNG returning numbers in [0, 1). The same seed replays
 * the same sequence, so a generated corpus or a fault schedule that failed can be replayed from
 * the seed a test or the soak prints. Not for anything that needs real randomness.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
