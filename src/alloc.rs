//! Allocation metering: the memory-bomb check.
//!
//! A decoder that trusts a hostile length header may allocate whatever the header announces
//! (4 GiB for `ff ff ff ff`) before a single payload byte has arrived. To see that, the test
//! binary installs [`CountingAlloc`] as its global allocator; the oracle then measures, for
//! every call into the decoder, the peak number of bytes the calling thread had allocated
//! beyond what it held when the call began, and fails the case when that exceeds a budget tied
//! to the maximum frame length.
//!
//! ```
//! #[global_allocator]
//! static ALLOC: framecheck::CountingAlloc = framecheck::CountingAlloc;
//!
//! fn main() {
//!     let (v, peak) = framecheck::alloc::metered(|| Vec::<u8>::with_capacity(1 << 20));
//!     assert!(peak.unwrap() >= 1 << 20);
//!     drop(v);
//! }
//! ```
//!
//! Counting is per thread and only while a call is metered, so the harness's own allocations,
//! and other tests running in parallel, do not count. Without the allocator installed, metering
//! reports `None` and the check is off; reports say so.
//!
//! # What a decoder leaves behind
//! The same counts serve the leak check (`leak`): [`retained`] runs a whole case on
//! the worker thread, from the decoder's construction to its drop, and returns the bytes
//! allocated and not freed meanwhile. The harness's own work in a passing case frees what it
//! allocates, so what is left is what the decoder put where its drop does not reach (a static,
//! a thread-local, a leaked box). Work in [`unmetered`] (an exec adapter talking to its
//! program) is left out of that count too.
//!
//! # Surviving the bomb
//! A decoder that reserves what a hostile `u64` header announces (`Vec::with_capacity(2^62)`)
//! would make the allocator fail, and Rust aborts the process on a failed allocation: no
//! verdict, no report. So while a call is metered, a single request larger than the case's
//! budget (it has already failed the case) is served by an `mmap` of that size with
//! `MAP_NORESERVE`, which costs address space only; and when even that cannot be mapped (more
//! than the address space), by a stand-in mapping of 1 GiB. The decoder under test can write
//! into it as far as the bytes it has received, far below 1 GiB in any case the harness
//! builds, and the process lives to report a `memory-bomb`. Outside metered calls, and below
//! the budget, every request goes to [`System`] unchanged. (Unix only; elsewhere such a
//! request aborts as usual.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};

/// A global allocator that forwards to [`System`] and counts, per thread, the bytes allocated
/// while a call is being metered.
#[derive(Debug, Default, Clone, Copy)]
pub struct CountingAlloc;

static INSTALLED: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// This thread's meter: one thread-local, so the allocator's hot path touches one.
    static METER: Cell<Meter> = const { Cell::new(Meter::OFF) };
}

#[derive(Clone, Copy)]
struct Meter {
    armed: bool,
    net: i64,
    peak: i64,
    largest: usize,
    /// 0: none.
    ceiling: usize,
    /// Whether [`retained`] is counting (through metered calls, not through unmetered work).
    retaining: bool,
    /// Bytes allocated and not freed since [`retained`] began.
    retained: i64,
}

impl Meter {
    const OFF: Meter = Meter {
        armed: false,
        net: 0,
        peak: 0,
        largest: 0,
        ceiling: 0,
        retaining: false,
        retained: 0,
    };
}

fn meter() -> Meter {
    METER.try_with(|m| m.get()).unwrap_or(Meter::OFF)
}

fn set_meter(f: impl FnOnce(&mut Meter)) {
    let _ = METER.try_with(|m| {
        let mut v = m.get();
        f(&mut v);
        m.set(v);
    });
}

/// Whether a request of `size` bytes goes to the big-block mappings: only while metering,
/// and only above the ceiling (the case's budget).
#[inline]
fn over_ceiling(size: usize) -> bool {
    let m = meter();
    m.armed && m.ceiling > 0 && size > m.ceiling
}

#[cfg(unix)]
mod big {
    //! Blocks served by `mmap`, registered so that `dealloc` can tell them from `System`'s.
    use std::sync::atomic::{AtomicUsize, Ordering};

    const SLOTS: usize = 64;
    /// What is mapped when the request itself cannot be.
    const STAND_IN: usize = 1 << 30;
    static PTRS: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];
    static LENS: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];
    static LIVE: AtomicUsize = AtomicUsize::new(0);

    unsafe fn map(len: usize) -> *mut u8 {
        let p = libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        );
        if p == libc::MAP_FAILED {
            std::ptr::null_mut()
        } else {
            p.cast()
        }
    }

    /// A zeroed, page-aligned block of `size` bytes (or of the stand-in size), or null.
    pub(super) unsafe fn alloc(size: usize, align: usize) -> *mut u8 {
        if align > 4096 {
            return std::ptr::null_mut();
        }
        let mut len = size;
        let mut p = map(len);
        if p.is_null() {
            len = STAND_IN.min(size);
            p = map(len);
        }
        if p.is_null() {
            return p;
        }
        for (slot, ptr) in PTRS.iter().enumerate() {
            if ptr
                .compare_exchange(0, p as usize, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
            {
                LENS[slot].store(len, Ordering::SeqCst);
                LIVE.fetch_add(1, Ordering::SeqCst);
                return p;
            }
        }
        libc::munmap(p.cast(), len);
        std::ptr::null_mut()
    }

    /// The slot and mapped length of `p`, if it is one of ours.
    pub(super) fn lookup(p: *mut u8) -> Option<(usize, usize)> {
        if LIVE.load(Ordering::SeqCst) == 0 {
            return None;
        }
        PTRS.iter()
            .position(|s| s.load(Ordering::SeqCst) == p as usize)
            .map(|slot| (slot, LENS[slot].load(Ordering::SeqCst)))
    }

    pub(super) unsafe fn free(slot: usize, p: *mut u8, len: usize) {
        libc::munmap(p.cast(), len);
        LENS[slot].store(0, Ordering::SeqCst);
        PTRS[slot].store(0, Ordering::SeqCst);
        LIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(not(unix))]
mod big {
    pub(super) unsafe fn alloc(_size: usize, _align: usize) -> *mut u8 {
        std::ptr::null_mut()
    }
    pub(super) fn lookup(_p: *mut u8) -> Option<(usize, usize)> {
        None
    }
    pub(super) unsafe fn free(_slot: usize, _p: *mut u8, _len: usize) {}
}

#[inline]
fn record(delta: i64, request: usize) {
    let _ = METER.try_with(|cell| {
        let mut m = cell.get();
        if m.armed {
            m.net = m.net.saturating_add(delta);
            m.peak = m.peak.max(m.net);
            m.largest = m.largest.max(request);
        }
        if m.retaining {
            m.retained = m.retained.saturating_add(delta);
        }
        if m.armed || m.retaining {
            cell.set(m);
        }
    });
}

#[inline]
fn mark_installed() {
    if !INSTALLED.load(Ordering::Relaxed) {
        INSTALLED.store(true, Ordering::Relaxed);
    }
}

// SAFETY: requests go to `System` with the caller's arguments unchanged, except requests over
// the ceiling inside a metered call, which get a fresh private mapping that is page-aligned
// (alignments above a page are refused) and zeroed, and is unmapped by `dealloc`. The one
// departure from the `GlobalAlloc` contract is the stand-in mapping for a request larger than
// the address space, which no allocator could honour; see the module docs. The bookkeeping
// touches only const-initialised thread-locals and atomics, which neither allocate nor unwind.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        mark_installed();
        if over_ceiling(layout.size()) {
            let p = big::alloc(layout.size(), layout.align());
            if !p.is_null() {
                record(layout.size() as i64, layout.size());
                return p;
            }
        }
        let p = System.alloc(layout);
        if !p.is_null() {
            record(layout.size() as i64, layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        mark_installed();
        if over_ceiling(layout.size()) {
            // Fresh mappings are zeroed.
            let p = big::alloc(layout.size(), layout.align());
            if !p.is_null() {
                record(layout.size() as i64, layout.size());
                return p;
            }
        }
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            record(layout.size() as i64, layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        match big::lookup(ptr) {
            Some((slot, len)) => big::free(slot, ptr, len),
            None => System.dealloc(ptr, layout),
        }
        record(-(layout.size() as i64), 0);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old_big = big::lookup(ptr);
        if old_big.is_some() || over_ceiling(new_size) {
            let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
            let new = self.alloc(new_layout);
            if new.is_null() {
                return new;
            }
            let old_len = old_big.map_or(layout.size(), |(_, len)| len.min(layout.size()));
            let new_len = big::lookup(new).map_or(new_size, |(_, len)| len.min(new_size));
            std::ptr::copy_nonoverlapping(ptr, new, old_len.min(new_len));
            self.dealloc(ptr, layout);
            return new;
        }
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            record(new_size as i64 - layout.size() as i64, new_size);
        }
        p
    }
}

/// Whether [`CountingAlloc`] is the global allocator of this process (known once it has
/// served one allocation).
pub fn is_installed() -> bool {
    INSTALLED.load(Ordering::Relaxed)
}

/// What one metered call allocated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Peak bytes held beyond what the thread held when the call began.
    pub peak: u64,
    /// The largest single allocation request.
    pub largest: u64,
}

/// Runs `f` with allocation counting on for this thread; returns its result and the peak
/// extra bytes it held, or `None` when [`CountingAlloc`] is not installed.
pub fn metered<R>(f: impl FnOnce() -> R) -> (R, Option<u64>) {
    let (r, usage) = metered_usage(f);
    (r, usage.map(|u| u.peak))
}

/// Runs `f` with counting off, inside a metered call: for the harness's own work in an
/// adapter (the exec protocol's buffers), which is not the decoder's.
pub fn unmetered<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(bool, bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            let (armed, retaining) = (self.0, self.1);
            set_meter(|m| {
                m.armed = armed;
                m.retaining = retaining;
            });
        }
    }
    let was = meter();
    set_meter(|m| {
        m.armed = false;
        m.retaining = false;
    });
    let _restore = Restore(was.armed, was.retaining);
    f()
}

/// Runs `f` and returns the bytes this thread allocated during it and had not freed by its
/// end (negative when it freed more than it allocated), or `None` when [`CountingAlloc`] is
/// not installed. Metered calls inside `f` count; [`unmetered`] work does not. A nested call
/// adds its count to the outer one.
///
/// ```
/// #[global_allocator]
/// static ALLOC: framecheck::CountingAlloc = framecheck::CountingAlloc;
///
/// fn main() {
///     let (kept, held) = framecheck::alloc::retained(|| {
///         drop(vec![0u8; 1000]);
///         vec![0u8; 24]
///     });
///     assert_eq!(held, Some(24));
///     drop(kept);
/// }
/// ```
pub fn retained<R>(f: impl FnOnce() -> R) -> (R, Option<i64>) {
    struct Restore(bool, i64);
    impl Drop for Restore {
        fn drop(&mut self) {
            let (retaining, outer) = (self.0, self.1);
            set_meter(|m| {
                m.retaining = retaining;
                m.retained = outer.saturating_add(m.retained);
            });
        }
    }
    let was = meter();
    set_meter(|m| {
        m.retaining = true;
        m.retained = 0;
    });
    let restore = Restore(was.retaining, was.retained);
    let r = f();
    let held = meter().retained;
    drop(restore);
    (r, is_installed().then_some(held))
}

/// Like [`metered`], with the largest single request too.
pub fn metered_usage<R>(f: impl FnOnce() -> R) -> (R, Option<Usage>) {
    metered_with_ceiling(0, f)
}

/// Like [`metered_usage`]; a single request over `ceiling` bytes (0: none) is served by a
/// mapping instead of the system allocator, so that a request too large for the machine does
/// not abort the process (see the module docs).
pub fn metered_with_ceiling<R>(ceiling: u64, f: impl FnOnce() -> R) -> (R, Option<Usage>) {
    struct Disarm;
    impl Drop for Disarm {
        fn drop(&mut self) {
            set_meter(|m| {
                m.armed = false;
                m.ceiling = 0;
            });
        }
    }
    let ceiling = usize::try_from(ceiling).unwrap_or(usize::MAX);
    set_meter(|m| {
        *m = Meter {
            armed: true,
            ceiling,
            retaining: m.retaining,
            retained: m.retained,
            ..Meter::OFF
        }
    });
    let guard = Disarm;
    let r = f();
    drop(guard);
    let m = meter();
    let usage = Usage {
        peak: m.peak.max(0) as u64,
        largest: m.largest as u64,
    };
    (r, is_installed().then_some(usage))
}

#[cfg(test)]
mod tests {
    use super::{metered, retained, unmetered};

    #[test]
    fn retained_counts_what_is_kept_not_what_is_freed() {
        let (kept, held) = retained(|| {
            drop(vec![1u8; 5000]);
            vec![2u8; 300]
        });
        assert_eq!(held, Some(300));
        let ((), held) = retained(move || drop(kept));
        assert_eq!(held, Some(-300));
    }

    #[test]
    fn retained_counts_through_metered_calls_but_not_unmetered_work() {
        let ((a, b), held) = retained(|| {
            let (a, _) = metered(|| vec![0u8; 100]);
            let b = unmetered(|| vec![0u8; 7000]);
            (a, b)
        });
        assert_eq!(held, Some(100));
        drop((a, b));
    }

    #[test]
    fn a_nested_count_adds_to_the_outer_one() {
        let ((inner, held_inner), held) = retained(|| {
            let x = vec![0u8; 10];
            let (y, h) = retained(|| vec![0u8; 20]);
            ((x, y), h)
        });
        assert_eq!(held_inner, Some(20));
        assert_eq!(held, Some(30));
        drop(inner);
    }
}
