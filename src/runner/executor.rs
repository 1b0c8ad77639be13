//! The in-process executor: cases run against a decoder on a worker thread, and the calling
//! thread waits for each verdict at most the timeout (the hang watchdog of the module docs).

use std::sync::atomic::Ordering;
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use super::Execute;
use crate::adapter::FrameDecoder;
use crate::alloc::retained;
use crate::case::Case;
use crate::leak::{self, Taken};
use crate::oracle::{
    catch_quietly, judge_with_progress, Call, CallOutcome, CallRecord, Failure, FailureKind,
    Progress, Transcript, Verdict,
};

/// Runs cases on a worker thread and waits for each at most the timeout.
pub(super) struct Executor<F> {
    factory: Arc<F>,
    timeout: Duration,
    memory_slack: u64,
    worker: Option<Worker>,
    hangs: usize,
    max_hangs: usize,
}

struct Worker {
    jobs: mpsc::Sender<(usize, Case)>,
    results: mpsc::Receiver<(usize, Verdict, Taken)>,
    progress: Arc<Progress>,
    /// Set when the worker is dropped: cases still queued are not started.
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

impl Worker {
    /// Stops the worker and waits for the case it is running to end, so that nothing else
    /// talks to a shared decoder (an exec program) meanwhile; a call that runs past `timeout`
    /// is a hang, and the thread is abandoned.
    fn retire(mut self, timeout: Duration) {
        self.stop.store(true, Ordering::SeqCst);
        // With the job sender replaced, the worker's queue ends once it has drained it.
        let (dead, _) = mpsc::channel();
        drop(std::mem::replace(&mut self.jobs, dead));
        loop {
            let wait = timeout.saturating_sub(self.progress.age());
            match self
                .results
                .recv_timeout(wait.max(Duration::from_millis(1)))
            {
                Ok(_) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
                Err(mpsc::RecvTimeoutError::Timeout) if self.progress.age() < timeout => {}
                Err(mpsc::RecvTimeoutError::Timeout) => return,
            }
        }
    }
}

const IN_FLIGHT: usize = 64;

impl<F, D> Executor<F>
where
    F: Fn() -> D + Send + Sync + 'static,
    D: FrameDecoder,
{
    pub(super) fn new(
        factory: Arc<F>,
        timeout: Duration,
        max_hangs: usize,
        memory_slack: u64,
    ) -> Self {
        Executor {
            factory,
            timeout,
            memory_slack,
            worker: None,
            hangs: 0,
            max_hangs,
        }
    }

    fn spawn(&self) -> Worker {
        let (jobs, job_rx) = mpsc::channel::<(usize, Case)>();
        let (result_tx, results) = mpsc::channel();
        let progress = Arc::new(Progress::new());
        let factory = self.factory.clone();
        let slack = self.memory_slack;
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        let prog = progress.clone();
        thread::Builder::new()
            .name("framecheck-worker".into())
            .spawn(move || {
                for (i, case) in job_rx {
                    if stopped.load(Ordering::SeqCst) {
                        break;
                    }
                    let _ = leak::take_resident();
                    // From the decoder's construction to its drop: what it left behind.
                    let (verdict, held) = retained(|| match catch_quietly(|| factory()) {
                        Ok(mut decoder) => {
                            let v = judge_with_progress(&mut decoder, &case, Some(&prog), slack);
                            // A decoder whose drop panics is judged by what it did before.
                            let _ = catch_quietly(move || drop(decoder));
                            v
                        }
                        Err(caught) => Verdict::Fail(Failure {
                            kind: FailureKind::Panic,
                            call: Call::Chunk(0),
                            detail: format!("the decoder's constructor panicked: {caught}"),
                            transcript: Transcript::default(),
                        }),
                    });
                    let taken = Taken {
                        // A failure's verdict holds what the harness allocated to describe it.
                        held: held.filter(|_| verdict.is_pass()),
                        resident: leak::take_resident(),
                    };
                    if result_tx.send((i, verdict, taken)).is_err() {
                        break;
                    }
                }
            })
            .expect("spawning the worker thread");
        Worker {
            jobs,
            results,
            progress,
            stop,
        }
    }
}

impl<F, D> Execute for Executor<F>
where
    F: Fn() -> D + Send + Sync + 'static,
    D: FrameDecoder,
{
    /// Runs `cases` in order, handing each verdict to `on_verdict`, which returns whether to
    /// go on. Cases after the hang limit get `Verdict::Skip`.
    fn run_batch(
        &mut self,
        cases: &[Case],
        mut on_verdict: impl FnMut(usize, Verdict, Taken) -> bool,
    ) {
        let mut next_result = 0;
        while next_result < cases.len() {
            if self.hangs >= self.max_hangs {
                let why = format!(
                    "not run: the decoder hung {} time(s), and each hang leaves a thread behind",
                    self.hangs
                );
                for i in next_result..cases.len() {
                    if !on_verdict(i, Verdict::Skip(why.clone()), Taken::default()) {
                        return;
                    }
                }
                return;
            }
            let worker = match self.worker.take() {
                Some(w) => w,
                None => self.spawn(),
            };
            let mut next_send = next_result;
            let mut hung = false;
            while next_result < cases.len() {
                while next_send < cases.len() && next_send < next_result + IN_FLIGHT {
                    if worker
                        .jobs
                        .send((next_send, cases[next_send].clone()))
                        .is_err()
                    {
                        break;
                    }
                    next_send += 1;
                }
                // Wait until the call in progress has run for the timeout.
                let wait = self.timeout.saturating_sub(worker.progress.age());
                match worker
                    .results
                    .recv_timeout(wait.max(Duration::from_millis(1)))
                {
                    Ok((i, verdict, taken)) => {
                        debug_assert_eq!(i, next_result);
                        next_result += 1;
                        if !on_verdict(i, verdict, taken) {
                            // Cases already queued would answer later calls: retire the
                            // worker, waiting for the case it is running.
                            worker.retire(self.timeout);
                            return;
                        }
                    }
                    Err(mpsc::RecvTimeoutError::Timeout)
                        if worker.progress.age() < self.timeout =>
                    {
                        // A new call started meanwhile: the decoder is slow, not stuck.
                    }
                    Err(_) => {
                        let case = &cases[next_result];
                        let c = worker.progress.call.load(Ordering::SeqCst);
                        let n = case.schedule.chunk_count(case.stream.bytes().len());
                        let call = if c < n { Call::Chunk(c) } else { Call::Eof };
                        let verdict = Verdict::Fail(Failure {
                            kind: FailureKind::Hang,
                            call,
                            detail: format!(
                                "{call} did not return within {} ms; its thread was abandoned",
                                self.timeout.as_millis()
                            ),
                            transcript: Transcript {
                                calls: vec![CallRecord {
                                    call,
                                    frames: Vec::new(),
                                    outcome: CallOutcome::Hung,
                                }],
                            },
                        });
                        self.hangs += 1;
                        hung = true;
                        let i = next_result;
                        next_result += 1;
                        if !on_verdict(i, verdict, Taken::default()) {
                            return;
                        }
                        break;
                    }
                }
            }
            if !hung {
                self.worker = Some(worker);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::Executor;
    use crate::adapter::FrameDecoder;
    use crate::case::Case;
    use crate::framing::Framing;
    use crate::leak::Taken;
    use crate::reference::ReferenceDecoder;
    use crate::runner::Execute;
    use crate::suite::Suite;

    /// What the worker measured for each case.
    fn taken<F, D>(framing: Framing, cases: &[Case], factory: F) -> Vec<Taken>
    where
        F: Fn() -> D + Send + Sync + 'static,
        D: FrameDecoder,
    {
        let mut exec = Executor::new(
            Arc::new(factory),
            crate::runner::DEFAULT_TIMEOUT,
            1,
            1 << 18,
        );
        let mut out = Vec::new();
        exec.run_batch(cases, |_, v, t| {
            assert!(v.is_pass(), "{v:?}");
            out.push(t);
            true
        });
        let _ = framing;
        out
    }

    #[test]
    fn the_reference_decoder_leaves_nothing_behind_in_any_case() {
        for framing in ["u8", "u32be:max=70000", "varint", "lines"] {
            let framing: Framing = framing.parse().unwrap();
            let cases = Suite::new(framing).random_cases(50).cases();
            let taken = taken(framing, &cases, move || ReferenceDecoder::new(framing));
            // The first case may set up the thread (the panic hook): never any after it.
            let held: Vec<(usize, i64)> = taken
                .iter()
                .enumerate()
                .skip(1)
                .filter_map(|(i, t)| t.held.map(|h| (i, h)).filter(|&(_, h)| h != 0))
                .collect();
            assert_eq!(held, [], "{framing}: (case, bytes left behind)");
            assert!(taken.iter().all(|t| t.held.is_some()), "not metered");
        }
    }
}
