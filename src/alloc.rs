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
//! A request that the operating system cannot satisfy at all (hundreds of GiB) still aborts the
//! process, as it would without framecheck: Rust offers no stable way to turn an allocation
//! failure into a panic. Lengths that large fail `Vec::with_capacity`'s own size check first and
//! panic (caught as a verdict); values in between are why untrusted decoders belong in a child
//! process.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};

/// A global allocator that forwards to [`System`] and counts, per thread, the bytes allocated
/// while a call is being metered.
#[derive(Debug, Default, Clone, Copy)]
pub struct CountingAlloc;

static INSTALLED: AtomicBool = AtomicBool::new(false);

thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
    static NET: Cell<i64> = const { Cell::new(0) };
    static PEAK: Cell<i64> = const { Cell::new(0) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

#[inline]
fn record(delta: i64, request: usize) {
    let _ = ARMED.try_with(|armed| {
        if armed.get() {
            let net = NET.get() + delta;
            NET.set(net);
            if net > PEAK.get() {
                PEAK.set(net);
            }
            if request > LARGEST.get() {
                LARGEST.set(request);
            }
        }
    });
}

#[inline]
fn mark_installed() {
    if !INSTALLED.load(Ordering::Relaxed) {
        INSTALLED.store(true, Ordering::Relaxed);
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the
// bookkeeping touches only const-initialised thread-locals, which neither allocate nor unwind.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        mark_installed();
        let p = System.alloc(layout);
        if !p.is_null() {
            record(layout.size() as i64, layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        mark_installed();
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            record(layout.size() as i64, layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        record(-(layout.size() as i64), 0);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
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

/// Like [`metered`], with the largest single request too.
pub fn metered_usage<R>(f: impl FnOnce() -> R) -> (R, Option<Usage>) {
    struct Disarm;
    impl Drop for Disarm {
        fn drop(&mut self) {
            ARMED.with(|a| a.set(false));
        }
    }
    NET.with(|n| n.set(0));
    PEAK.with(|p| p.set(0));
    LARGEST.with(|l| l.set(0));
    ARMED.with(|a| a.set(true));
    let guard = Disarm;
    let r = f();
    drop(guard);
    let usage = Usage {
        peak: PEAK.with(|p| p.get()).max(0) as u64,
        largest: LARGEST.with(|l| l.get()) as u64,
    };
    (r, is_installed().then_some(usage))
}
