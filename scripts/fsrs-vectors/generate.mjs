// Generates ../../lessons/testdata/fsrs_vectors.json: review sequences run
// through the reference FSRS-6 implementation ts-fsrs (pinned in
// package.json), for TestFSRSVectors to compare our Go implementation with.
//
//   cd scripts/fsrs-vectors && npm ci && npm run generate
//
// Settings, chosen to match how huddlebot reviews:
//   - enable_fuzz: false — intervals are deterministic (no random spread);
//   - enable_short_term: false, learning_steps/relearning_steps: [] — every
//     answer is a day-level review; the bot sends a question at most once a
//     day, so minute-level (re)learning steps never apply;
//   - reviews happen at 12:00 UTC on whole-day offsets, so elapsed days are
//     exact calendar days, as with the bot's shift dates.
// The sequences come from a fixed-seed generator, so re-running the script
// reproduces the file byte for byte.
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createEmptyCard, fsrs, FSRSVersion, default_w } from 'ts-fsrs'

// mulberry32: a tiny seeded PRNG, so the vectors do not depend on Math.random.
function rng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const DAY = 24 * 60 * 60 * 1000
const start = Date.UTC(2026, 0, 5, 12, 0, 0)

// A second, non-default parameter set (a plausible fitted one, with a
// different decay w20) checks that every weight is actually used.
const customW = [
  0.4, 0.9, 3.1, 12.5, 5.8, 1.1, 2.2, 0.02, 1.6, 0.25, 1.2, 1.9, 0.1, 0.35, 1.3,
  0.45, 2.4, 0.3, 0.2, 0.12, 0.35,
]

const configs = [
  { name: 'default w, retention 0.9', w: [...default_w], retention: 0.9 },
  { name: 'default w, retention 0.8', w: [...default_w], retention: 0.8 },
  { name: 'default w, retention 0.95', w: [...default_w], retention: 0.95 },
  { name: 'custom w, retention 0.9', w: customW, retention: 0.9 },
]

// Hand-written sequences: [days since previous review, grade 1-4]; the first
// review's gap is ignored.
const fixed = [
  { name: 'first review, each grade', reviews: [[0, 1]] },
  { name: 'good x6 on schedule', reviews: 'sched', grades: [3, 3, 3, 3, 3, 3] },
  { name: 'easy x5 on schedule', reviews: 'sched', grades: [4, 4, 4, 4, 4] },
  { name: 'hard x5 on schedule', reviews: 'sched', grades: [2, 2, 2, 2, 2] },
  { name: 'again x4 on schedule', reviews: 'sched', grades: [1, 1, 1, 1] },
  { name: 'lapse after a long run', reviews: 'sched', grades: [3, 3, 3, 3, 1, 3, 3] },
  { name: 'same-day repeat', reviews: [[0, 3], [0, 3], [0, 1], [1, 3]] },
  { name: 'very late review', reviews: [[0, 3], [400, 3], [900, 1], [3, 4]] },
]

function run(f, seq) {
  let card = createEmptyCard(new Date(start))
  let now = start
  const steps = []
  for (const [gap, grade] of seq) {
    now = steps.length === 0 ? start : now + gap * DAY
    const { card: next } = f.next(card, new Date(now), grade)
    steps.push({
      elapsed_days: steps.length === 0 ? 0 : gap,
      grade,
      stability: next.stability,
      difficulty: next.difficulty,
      interval: next.scheduled_days,
    })
    card = next
  }
  return steps
}

// schedSeq reviews each time exactly when the previous review said.
function schedSeq(f, grades) {
  let card = createEmptyCard(new Date(start))
  let now = start
  const seq = []
  for (const g of grades) {
    const gap = seq.length === 0 ? 0 : card.scheduled_days
    now += gap * DAY
    seq.push([gap, g])
    card = f.next(card, new Date(now), g).card
  }
  return seq
}

const cases = []
for (const cfg of configs) {
  const f = fsrs({
    w: cfg.w,
    request_retention: cfg.retention,
    enable_fuzz: false,
    enable_short_term: false,
    learning_steps: [],
    relearning_steps: [],
  })
  const w = [...f.parameters.w]
  const add = (name, seq) =>
    cases.push({ name: `${cfg.name}: ${name}`, w, retention: cfg.retention, steps: run(f, seq) })
  for (const c of fixed) {
    if (c.name === 'first review, each grade') {
      for (const g of [1, 2, 3, 4]) add(`first review, grade ${g}`, [[0, g]])
      continue
    }
    add(c.name, c.reviews === 'sched' ? schedSeq(f, c.grades) : c.reviews)
  }
  // Random sequences: reviews early, on time or late relative to the
  // interval the previous review gave, with mixed grades.
  const rand = rng(cases.length + 17)
  for (let i = 0; i < 12; i++) {
    const n = 4 + Math.floor(rand() * 9)
    let card = createEmptyCard(new Date(start))
    let now = start
    const seq = []
    for (let k = 0; k < n; k++) {
      const grade = 1 + Math.floor(rand() * 4)
      let gap = 0
      if (k > 0) {
        const jitter = 0.3 + rand() * 1.7 // 0.3x .. 2x the interval
        gap = Math.max(1, Math.round(card.scheduled_days * jitter))
      }
      now += gap * DAY
      seq.push([gap, grade])
      card = f.next(card, new Date(now), grade).card
    }
    add(`random ${i + 1}`, seq)
  }
}

const out = {
  generator: `scripts/fsrs-vectors/generate.mjs with ts-fsrs ${FSRSVersion}`,
  settings: { enable_fuzz: false, enable_short_term: false, learning_steps: [], relearning_steps: [] },
  cases,
}
const path = fileURLToPath(new URL('../../lessons/testdata/fsrs_vectors.json', import.meta.url))
// One case per line keeps diffs of a regenerated file readable.
const body = cases.map((c) => JSON.stringify(c)).join(',\n')
const head = JSON.stringify({ generator: out.generator, settings: out.settings }).slice(0, -1)
writeFileSync(path, `${head},"cases":[\n${body}\n]}\n`)
console.log(`wrote ${cases.length} cases to ${path}`)
