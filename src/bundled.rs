//! A bundled decoder as the registry lists it: an id, a display name, a
//! [`Kind`] and a way to build it for a framing.
//!
//! The type lives apart from the list so that the modules that declare entries (each adapter,
//! the zoo, the reference) and the registry that collects them do not import each other.

use std::fmt;
use std::sync::Arc;

use crate::adapter::{declare, FrameDecoder};
use crate::framing::Framing;

/// What a bundled decoder is there for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// framecheck's own [`ReferenceDecoder`](crate::ReferenceDecoder): the one that must pass
    /// everything.
    Reference,
    /// A third-party decoder behind an adapter (a feature each).
    Adapter,
    /// A buggy decoder of the `zoo`: the harness must catch it.
    Zoo,
}

/// Builds a decoder for a framing; `None`: it cannot be configured for that framing.
pub type Build = dyn Fn(Framing) -> Option<Box<dyn FrameDecoder>> + Send + Sync;

/// One bundled decoder.
#[derive(Clone)]
pub struct Entry {
    id: &'static str,
    name: &'static str,
    kind: Kind,
    pub(crate) rank: u16,
    build: Arc<Build>,
}

impl Entry {
    /// An entry of `kind`; `build` returns `None` for a framing it does not support.
    pub(crate) fn new(
        kind: Kind,
        id: &'static str,
        name: &'static str,
        build: impl Fn(Framing) -> Option<Box<dyn FrameDecoder>> + Send + Sync + 'static,
    ) -> Entry {
        Entry {
            id,
            name,
            kind,
            rank: u16::MAX,
            build: Arc::new(build),
        }
    }

    /// A third-party adapter: `build` configures it for the framing, which becomes its
    /// declared profile (see [`declare`]).
    #[allow(dead_code)] // Unused when no adapter is compiled in.
    pub(crate) fn adapter<D: FrameDecoder + 'static>(
        id: &'static str,
        name: &'static str,
        build: impl Fn(Framing) -> Option<D> + Send + Sync + 'static,
    ) -> Entry {
        Entry::new(Kind::Adapter, id, name, move |f| {
            build(f).map(|d| Box::new(declare(d, f)) as Box<dyn FrameDecoder>)
        })
    }

    /// Where this entry's rows sit among the adapters: `all` sorts adapters by rank, then in
    /// the order declared. Unranked entries come last. The ranks of the bundled adapters keep
    /// the matrix rows in the order the matrix has always printed them.
    #[must_use]
    #[allow(dead_code)] // Unused when no adapter is compiled in.
    pub(crate) fn rank(mut self, rank: u16) -> Entry {
        self.rank = rank;
        self
    }

    /// The short id, as `--decoder` takes it: `reference`, `zoo:no-drain-loop`,
    /// `tokio-util07-decode`…
    pub fn id(&self) -> &'static str {
        self.id
    }

    /// The display name: the matrix's row label.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// What the decoder is there for.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// A fresh decoder for `framing`, or `None` if it cannot be configured for it.
    pub fn build(&self, framing: Framing) -> Option<Box<dyn FrameDecoder>> {
        (self.build)(framing)
    }

    /// Whether the decoder can be configured for `framing` (builds one to find out).
    pub fn supports(&self, framing: Framing) -> bool {
        self.build(framing).is_some()
    }
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entry")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("kind", &self.kind)
            .finish()
    }
}
