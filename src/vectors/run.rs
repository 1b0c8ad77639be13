//! The vector runner: vectors, each as given and under the schedule catalog, run against a
//! decoder, one [`Report`] per framing.
//!
//! It runs through [`Runner`], not through the default suite: the
//! suite starts with the bundled vectors ([`super::cases_for`]), so a vector runner built on
//! the suite would make `vectors` and `suite` import each other. Both sit above the runner
//! instead, and `configure` adjusts a [`Runner`] (timeout, `Reproduce with:` line), with the
//! same builder methods the suite has.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::adapter::FrameDecoder;
use crate::case::Case;
use crate::framing::Framing;
use crate::report::{Report, Status};
use crate::runner::Runner;

use super::model::{Profile, Vector};

/// The result of running vectors against a decoder.
#[derive(Debug)]
pub struct VectorReport {
    /// One report per framing the vectors use.
    pub reports: Vec<Report>,
    /// Vectors not run, with why.
    pub skipped: Vec<(String, String)>,
}

impl VectorReport {
    /// No case failed.
    pub fn is_pass(&self) -> bool {
        self.reports.iter().all(|r| r.is_pass())
    }

    /// Ids of the vectors with at least one failing case.
    pub fn failing_vectors(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .reports
            .iter()
            .flat_map(|r| r.results.iter())
            .filter(|c| matches!(c.status, Status::Fail(_)))
            .filter_map(|c| c.label.split(' ').nth(1).map(String::from))
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }
}

/// Runs `vectors`, each as given and under the schedule catalog, against decoders from
/// `factory`, which returns `None` for a framing its decoder cannot be configured for (those
/// vectors are skipped and listed). `acceptable` vectors resolve by `profile` and by the
/// decoder's own [`FrameDecoder::empty_frames`]: if either says no empty frames, it is no.
pub fn run<F, D>(vectors: &[Vector], profile: Profile, factory: F) -> VectorReport
where
    F: Fn(Framing) -> Option<D> + Send + Sync + 'static,
    D: FrameDecoder,
{
    run_with(vectors, profile, factory, |s| s)
}

/// [`run`], with the [`Runner`] of each framing adjusted by `configure` (timeout, reproduce
/// line).
pub fn run_with<F, D>(
    vectors: &[Vector],
    profile: Profile,
    factory: F,
    configure: impl Fn(Runner) -> Runner,
) -> VectorReport
where
    F: Fn(Framing) -> Option<D> + Send + Sync + 'static,
    D: FrameDecoder,
{
    let factory = Arc::new(factory);
    let mut groups: BTreeMap<Framing, Vec<Case>> = BTreeMap::new();
    let mut skipped = Vec::new();
    for v in vectors {
        let (framing, _) = v.resolve(profile);
        if factory(framing).is_none() {
            skipped.push((
                v.id.clone(),
                format!("the decoder does not support {framing}"),
            ));
            continue;
        }
        groups.entry(framing).or_default().extend(v.cases(profile));
    }
    let reports = groups
        .into_iter()
        .map(|(framing, cases)| {
            let f = factory.clone();
            configure(Runner::new()).run_cases(framing, cases, move || {
                f(framing).expect("the factory supported this framing a moment ago")
            })
        })
        .collect();
    VectorReport { reports, skipped }
}
