//! The decoders the command line can name (`--decoder`): every entry of the library's
//! [registry](framecheck::registry) (the reference, the matrix's third-party adapters, the
//! zoo), and `test:abort` for testing `--isolate`.

use framecheck::registry::{self, Entry, Kind};
use framecheck::{FrameDecoder, Framing};

/// A decoder, by name.
#[derive(Clone, Copy)]
pub(crate) enum Bundled {
    /// An entry of the registry.
    Entry(&'static Entry),
    /// Calls `abort()` on any chunk: only for testing `--isolate`, never in process.
    TestAbort,
}

impl Bundled {
    /// The reference decoder.
    pub(crate) fn reference() -> Bundled {
        Bundled::Entry(registry::find("reference").expect("the reference is registered"))
    }

    pub(crate) fn parse(name: &str) -> anyhow::Result<Bundled> {
        if name == "test:abort" {
            return Ok(Bundled::TestAbort);
        }
        if let Some(e) = registry::find(name) {
            return Ok(Bundled::Entry(e));
        }
        let names: Vec<&str> = registry::all()
            .iter()
            .filter(|e| e.kind() != Kind::Reference)
            .map(|e| e.id())
            .collect();
        anyhow::bail!(
            "unknown decoder {name:?}; expected `reference` or one of: {}",
            names.join(", ")
        )
    }

    pub(crate) fn name(&self) -> String {
        match self {
            Bundled::Entry(e) => e.id().to_string(),
            Bundled::TestAbort => "test:abort".into(),
        }
    }

    pub(crate) fn supports(&self, framing: Framing) -> bool {
        match self {
            Bundled::Entry(e) => e.supports(framing),
            Bundled::TestAbort => true,
        }
    }

    pub(crate) fn build(&self, framing: Framing) -> Box<dyn FrameDecoder> {
        match self {
            Bundled::Entry(e) => e.build(framing).expect("checked by supports"),
            Bundled::TestAbort => Box::new(framecheck::adapter::from_fn(
                (),
                |_, _: &[u8], _: &mut Vec<Vec<u8>>| std::process::abort(),
                |_, _: &mut Vec<Vec<u8>>| Ok(()),
            )),
        }
    }
}
