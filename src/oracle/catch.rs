//! Catching what a decoder call ends with when it does not return: a panic, or a [`Fault`]
//! raised by an adapter around a decoder in another process (contract clause 9).
//!
//! A panic hook, installed once, stays silent for panics inside decoder calls and records
//! where they happened, so that a failing case reports the decoder's panic message and
//! location rather than printing it to the terminal; panics elsewhere go to the previous hook.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use super::verdict::FailureKind;

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs (once) a panic hook that stays silent for panics inside decoder calls and records
/// where they happened; other panics go to the previous hook.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if QUIET.with(|q| q.get()) {
                let at = info
                    .location()
                    .map(|l| format!(" at {}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                let msg = payload_message(info.payload());
                LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{msg}{at}")));
            } else {
                previous(info);
            }
        }));
    });
}

fn payload_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic with a non-string payload)".to_string()
    }
}

/// A fault of a decoder that is not a wrong answer: an adapter that drives a decoder in
/// another process raises one (with [`Fault::raise`]) when the process crashes, hangs, breaks
/// the protocol or outgrows its memory budget, and the oracle turns it into a verdict of that
/// kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// The verdict kind.
    pub kind: FailureKind,
    /// What happened, for the report.
    pub detail: String,
}

impl Fault {
    /// Unwinds out of the decoder call with this fault; the oracle catches it.
    pub fn raise(self) -> ! {
        panic::panic_any(self)
    }
}

/// What a decoder call ended with, when it did not return.
#[derive(Clone, Debug)]
pub(crate) enum Caught {
    Panic(String),
    Fault(Fault),
}

impl fmt::Display for Caught {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Caught::Panic(m) => f.write_str(m),
            Caught::Fault(fault) => write!(f, "{}: {}", fault.kind, fault.detail),
        }
    }
}

/// Runs `f` with the panic hook quiet, turning a panic into its message (or its [`Fault`]).
pub(crate) fn catch_quietly<R>(f: impl FnOnce() -> R) -> Result<R, Caught> {
    install_panic_hook();
    let was_quiet = QUIET.with(|q| q.replace(true));
    let r = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was_quiet));
    r.map_err(|payload| {
        let message = LAST_PANIC.with(|p| p.borrow_mut().take());
        match payload.downcast::<Fault>() {
            Ok(fault) => Caught::Fault(*fault),
            Err(payload) => Caught::Panic(message.unwrap_or_else(|| payload_message(&*payload))),
        }
    })
}
