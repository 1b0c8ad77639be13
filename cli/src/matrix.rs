//! `framecheck matrix`: every bundled decoder (the reference and the third-party adapters)
//! under every matrix framing, printed as decoders × case groups. Only a failing reference
//! decoder fails the run: the others' failures are findings.

#[derive(clap::Args)]
pub(crate) struct MatrixArgs {
    /// Also write the matrix and its minimal failing cases as Markdown here.
    #[arg(long, value_name = "FILE")]
    markdown: Option<std::path::PathBuf>,
    /// Also write the matrix as one self-contained HTML page here: each failing cell opens
    /// to its row's minimal cases, drawn.
    #[arg(long, value_name = "FILE")]
    html: Option<std::path::PathBuf>,
    /// Seed of the random cases.
    #[arg(long, value_parser = crate::parse_seed)]
    seed: Option<u64>,
}

pub(crate) fn run(args: MatrixArgs) -> anyhow::Result<bool> {
    let rows = framecheck::matrix::run(|suite, _| {
        let suite = suite.timeout(framecheck::suite::DEFAULT_TIMEOUT);
        match args.seed {
            Some(s) => suite.seed(s),
            None => suite,
        }
    });
    let table = framecheck::matrix::markdown(&rows);
    print!("{table}");
    let failing: Vec<String> = rows
        .iter()
        .filter(|r| !r.report.is_pass())
        .map(|r| format!("{} {}", r.decoder, r.framing))
        .collect();
    println!(
        "\n{} rows, {} with failures{}",
        rows.len(),
        failing.len(),
        if failing.is_empty() {
            String::new()
        } else {
            format!(
                " (minimal cases: framecheck matrix --markdown FILE): {}",
                failing.join("; ")
            )
        }
    );
    if let Some(path) = &args.markdown {
        let text = format!(
            "{table}\n## Minimal failing cases\n\n{}",
            framecheck::matrix::failures(&rows)
        );
        std::fs::write(path, text)
            .map_err(|e| anyhow::anyhow!("{}: cannot write the matrix: {e}", path.display()))?;
    }
    if let Some(path) = &args.html {
        std::fs::write(path, framecheck::matrix::html(&rows)).map_err(|e| {
            anyhow::anyhow!("{}: cannot write the HTML matrix: {e}", path.display())
        })?;
    }
    // The matrix reports on other people's decoders: their failures are findings, not a
    // failed run. Only a failing reference decoder is.
    Ok(framecheck::matrix::passes(&rows))
}
