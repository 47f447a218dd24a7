//! Clocks and memory gauges: medians of timed runs, the process's peak RSS, and a heap
//! counter that is switched on only in the one-phase child processes (so that it never
//! slows the timed runs).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

pub struct CountingAlloc;

static COUNTING: AtomicBool = AtomicBool::new(false);
// Signed: blocks allocated before counting began may be freed while it runs.
static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let by = by as isize;
    let live = LIVE.fetch_add(by, Relaxed) + by;
    PEAK.fetch_max(live, Relaxed);
}

fn shrank(by: usize) {
    LIVE.fetch_sub(by as isize, Relaxed);
}

// SAFETY: every call is forwarded to `System` unchanged; the counters have no effect on it.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            ALLOCATIONS.fetch_add(1, Relaxed);
            grew(layout.size());
        }
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if COUNTING.load(Relaxed) {
            shrank(layout.size());
        }
        // SAFETY: as for `dealloc`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            ALLOCATIONS.fetch_add(1, Relaxed);
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                shrank(layout.size() - new_size);
            }
        }
        // SAFETY: as for `realloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Heap bytes live now, the most ever live, and allocations made since counting began.
#[derive(Debug, Clone, Copy)]
pub struct Heap {
    pub live: usize,
    pub peak: usize,
    pub allocations: usize,
}

pub fn start_counting() {
    COUNTING.store(true, Relaxed);
}

pub fn heap() -> Heap {
    Heap {
        live: LIVE.load(Relaxed).max(0) as usize,
        peak: PEAK.load(Relaxed).max(0) as usize,
        allocations: ALLOCATIONS.load(Relaxed),
    }
}

/// The process's resident-set high-water mark, in bytes.
///
/// On Linux this is `VmHWM`, not `getrusage`: a spawned child's `ru_maxrss` starts from its
/// parent's high-water mark (`execve` carries the old address space's peak over), so it would
/// report the benchmark's own peak.
#[cfg(target_os = "linux")]
pub fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .and_then(|kb| kb.trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// The process's resident-set high-water mark, in bytes (macOS: `ru_maxrss` is in bytes, and
/// `posix_spawn` starts it afresh).
#[cfg(all(unix, not(target_os = "linux")))]
pub fn peak_rss() -> u64 {
    // SAFETY: `getrusage` only writes the struct we hand it.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let maxrss = u64::try_from(usage.ru_maxrss).unwrap_or(0);
    if cfg!(target_os = "macos") { maxrss } else { maxrss * 1024 }
}

#[cfg(not(unix))]
pub fn peak_rss() -> u64 {
    0
}

/// Median, fastest and slowest of the timed calls, and how many there were.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub median: Duration,
    pub min: Duration,
    pub max: Duration,
    pub samples: usize,
}

/// Times `runs` calls after one warm-up, fewer when the warm-up shows that they would take
/// longer than `budget` (a slow phase is then reported from as few as one, cold, call).
pub fn time<T>(runs: usize, budget: Duration, mut f: impl FnMut() -> T) -> Timing {
    let start = Instant::now();
    std::hint::black_box(f());
    let warm_up = start.elapsed();
    let affordable = (budget.as_secs_f64() / warm_up.as_secs_f64().max(1e-9)) as usize;
    let mut samples: Vec<Duration> = (0..runs.max(1).min(affordable))
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .collect();
    if samples.is_empty() {
        samples.push(warm_up);
    }
    samples.sort();
    Timing {
        median: samples[samples.len() / 2],
        min: samples[0],
        max: samples[samples.len() - 1],
        samples: samples.len(),
    }
}

/// `f`'s time over `floor`'s, measured in pairs: each call of `f` right after a call of
/// `floor`, so that both see the same machine (on a shared host, the other core comes and
/// goes over seconds). The median of the per-pair ratios, and `f`'s timing, from `runs`
/// pairs after one warm-up pair (fewer when the budget is short, as for [`time`]).
pub fn paired<T, U>(
    runs: usize,
    budget: Duration,
    mut floor: impl FnMut() -> T,
    mut f: impl FnMut() -> U,
) -> (f64, Timing) {
    let pair = |floor: &mut dyn FnMut() -> T, f: &mut dyn FnMut() -> U| {
        let start = Instant::now();
        std::hint::black_box(floor());
        let middle = Instant::now();
        std::hint::black_box(f());
        (middle - start, middle.elapsed())
    };
    let start = Instant::now();
    let warm_up = pair(&mut floor, &mut f);
    let affordable = (budget.as_secs_f64() / start.elapsed().as_secs_f64().max(1e-9)) as usize;
    let mut pairs: Vec<(Duration, Duration)> =
        (0..runs.max(1).min(affordable)).map(|_| pair(&mut floor, &mut f)).collect();
    if pairs.is_empty() {
        pairs.push(warm_up);
    }
    let mut ratios: Vec<f64> = pairs.iter().map(|(a, b)| b.as_secs_f64() / a.as_secs_f64().max(1e-9)).collect();
    ratios.sort_by(f64::total_cmp);
    let mut times: Vec<Duration> = pairs.iter().map(|&(_, b)| b).collect();
    times.sort();
    let timing =
        Timing { median: times[times.len() / 2], min: times[0], max: times[times.len() - 1], samples: times.len() };
    (ratios[ratios.len() / 2], timing)
}

/// The median of each column of per-run stage times.
pub fn stage_medians<const N: usize>(runs: &[[Duration; N]]) -> [Duration; N] {
    std::array::from_fn(|i| {
        let mut col: Vec<Duration> = runs.iter().map(|r| r[i]).collect();
        col.sort();
        col[col.len() / 2]
    })
}

pub fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
