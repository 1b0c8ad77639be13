//! The bundled decoders the command line can name (`--decoder`): the reference decoder, the
//! zoo, the matrix's third-party adapters, and `test:abort` for testing `--isolate`.
//!
//! Kept in a file of its own so that the library's decoder registry can replace it in one
//! place.

use framecheck::{zoo, FrameDecoder, Framing, ReferenceDecoder};

/// A bundled decoder, by name.
#[derive(Clone)]
pub(crate) enum Bundled {
    Reference,
    Zoo(&'static zoo::Entry),
    /// A third-party adapter of the matrix.
    Adapter(framecheck::matrix::MatrixDecoder),
    /// Calls `abort()` on any chunk: only for testing `--isolate`, never in process.
    TestAbort,
}

impl Bundled {
    pub(crate) fn parse(name: &str) -> anyhow::Result<Bundled> {
        if name == "reference" {
            return Ok(Bundled::Reference);
        }
        if name == "test:abort" {
            return Ok(Bundled::TestAbort);
        }
        if let Some(z) = name.strip_prefix("zoo:") {
            if let Some(e) = zoo::by_name(z) {
                return Ok(Bundled::Zoo(e));
            }
        }
        let adapters = framecheck::matrix::bundled_decoders();
        if let Some(a) = adapters
            .iter()
            .find(|a| a.id == name && a.id != "reference")
        {
            return Ok(Bundled::Adapter(a.clone()));
        }
        let names: Vec<String> = adapters
            .iter()
            .filter(|a| a.id != "reference")
            .map(|a| a.id.to_string())
            .chain(zoo::all().iter().map(|e| format!("zoo:{}", e.name)))
            .collect();
        anyhow::bail!(
            "unknown decoder {name:?}; expected `reference` or one of: {}",
            names.join(", ")
        )
    }

    pub(crate) fn name(&self) -> String {
        match self {
            Bundled::Reference => "reference".into(),
            Bundled::Zoo(e) => format!("zoo:{}", e.name),
            Bundled::Adapter(a) => a.id.to_string(),
            Bundled::TestAbort => "test:abort".into(),
        }
    }

    pub(crate) fn supports(&self, framing: Framing) -> bool {
        match self {
            Bundled::Reference | Bundled::TestAbort => true,
            Bundled::Zoo(e) => e.supports(framing),
            Bundled::Adapter(a) => (a.build)(framing).is_some(),
        }
    }

    pub(crate) fn build(&self, framing: Framing) -> Box<dyn FrameDecoder> {
        match self {
            Bundled::Reference => Box::new(ReferenceDecoder::new(framing)),
            Bundled::Zoo(e) => e.build(framing),
            Bundled::Adapter(a) => (a.build)(framing).expect("checked by supports"),
            Bundled::TestAbort => Box::new(framecheck::adapter::from_fn(
                (),
                |_, _: &[u8], _: &mut Vec<Vec<u8>>| std::process::abort(),
                |_, _: &mut Vec<Vec<u8>>| Ok(()),
            )),
        }
    }
}
