//! The parallel executor: cases judged by a function on several threads at once, their
//! verdicts handed on in case order.
//!
//! Contract: the judge bounds every wait itself (there is no watchdog here), and may be called
//! from several threads at once. A stop (the fail-fast or fault limit) lets the cases already
//! started finish, and starts no other.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;

use super::Execute;
use crate::case::Case;
use crate::leak::Taken;
use crate::oracle::Verdict;

/// A judge function, shared by the worker threads.
pub(super) type JudgeFn = Arc<dyn Fn(&Case) -> Verdict + Send + Sync>;

pub(super) struct Parallel {
    judge: JudgeFn,
    workers: usize,
}

impl Parallel {
    pub(super) fn new(judge: JudgeFn, workers: usize) -> Parallel {
        Parallel {
            judge,
            workers: workers.max(1),
        }
    }
}

impl Execute for Parallel {
    fn run_batch(
        &mut self,
        cases: &[Case],
        mut on_verdict: impl FnMut(usize, Verdict, Taken) -> bool,
    ) {
        let stop = AtomicBool::new(false);
        let (job_tx, job_rx) = mpsc::channel::<usize>();
        let jobs = Mutex::new(job_rx);
        let (tx, rx) = mpsc::channel::<(usize, Verdict)>();
        let workers = self.workers.min(cases.len().max(1));
        // Cases handed out ahead of the next verdict due: enough to keep every worker busy,
        // few enough that a stop starts hardly any more.
        let window = 2 * workers;
        let mut sent = 0;
        while sent < cases.len().min(window) {
            let _ = job_tx.send(sent);
            sent += 1;
        }
        thread::scope(|scope| {
            for _ in 0..workers {
                let tx = tx.clone();
                let (jobs, stop, judge) = (&jobs, &stop, &self.judge);
                scope.spawn(move || loop {
                    let next = jobs.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    let Ok(i) = next else { return };
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    if tx.send((i, judge(&cases[i]))).is_err() {
                        return;
                    }
                });
            }
            drop(tx);
            // Verdicts that finished ahead of an earlier case wait here for their turn.
            let mut ahead: BTreeMap<usize, Verdict> = BTreeMap::new();
            let mut due = 0;
            'verdicts: for (i, verdict) in &rx {
                ahead.insert(i, verdict);
                while let Some(v) = ahead.remove(&due) {
                    if !on_verdict(due, v, Taken::default()) {
                        stop.store(true, Ordering::SeqCst);
                        break 'verdicts;
                    }
                    due += 1;
                    if sent < cases.len() {
                        let _ = job_tx.send(sent);
                        sent += 1;
                    }
                }
                if due == cases.len() {
                    break;
                }
            }
            drop(job_tx);
        });
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use super::Parallel;
    use crate::oracle::Verdict;
    use crate::runner::Execute;
    use crate::suite::Suite;

    #[test]
    fn verdicts_come_back_in_case_order_when_later_cases_finish_first() {
        let cases = Suite::new("u8".parse().unwrap()).random_cases(40).cases();
        let cases = &cases[..40];
        let mut p = Parallel::new(
            Arc::new(|c: &crate::case::Case| {
                // Earlier cases take longer, so later ones finish first.
                let ms = 40 - (c.stream.bytes().len() % 40) as u64;
                std::thread::sleep(Duration::from_micros(ms * 50));
                Verdict::Skip(c.label())
            }),
            4,
        );
        let mut seen = Vec::new();
        p.run_batch(cases, |i, v, _| {
            assert_eq!(v, Verdict::Skip(cases[i].label()));
            seen.push(i);
            true
        });
        assert_eq!(seen, (0..40).collect::<Vec<_>>());
    }

    #[test]
    fn a_stop_starts_no_further_case() {
        let cases = Suite::new("u8".parse().unwrap()).random_cases(50).cases();
        let started = Arc::new(AtomicUsize::new(0));
        let counter = started.clone();
        let mut p = Parallel::new(
            Arc::new(move |_: &crate::case::Case| {
                counter.fetch_add(1, Ordering::SeqCst);
                Verdict::Pass
            }),
            2,
        );
        let mut handed = 0;
        p.run_batch(&cases, |_, _, _| {
            handed += 1;
            handed < 3
        });
        assert_eq!(handed, 3);
        // At most the window (twice the workers) beyond the cases handed on were started.
        assert!(started.load(Ordering::SeqCst) <= 3 + 4, "{started:?}");
    }
}
