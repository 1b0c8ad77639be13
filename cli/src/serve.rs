//! `framecheck serve`: a bundled decoder served over the exec protocol on stdin/stdout, which
//! is what `run --isolate` starts in a child process. A panic or an abort ends the process,
//! which the harness on the other side reports as a crash with this process's stderr.

use framecheck::Framing;

use crate::bundled::Bundled;

#[derive(clap::Args)]
pub(crate) struct ServeArgs {
    /// The decoder.
    #[arg(long)]
    decoder: String,
    /// The framing it decodes.
    #[arg(long)]
    framing: String,
}

/// Serves the decoder named by `args` until stdin ends.
pub(crate) fn run(args: ServeArgs) -> anyhow::Result<bool> {
    let decoder = Bundled::parse(&args.decoder)?;
    let framing: Framing = args.framing.parse()?;
    if !decoder.supports(framing) {
        anyhow::bail!("{} cannot decode {framing}", decoder.name());
    }
    let input = std::io::stdin().lock();
    let output = std::io::BufWriter::new(std::io::stdout().lock());
    framecheck::exec::serve(input, output, || decoder.build(framing))?;
    Ok(true)
}
