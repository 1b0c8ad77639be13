//! The HTML reports opened in a real browser: headless Chromium loads the page of a failing
//! run (and a matrix page) from disk, and the tests read the document it built: the failing
//! kind, the picture's elements, the failing call's row, the replay line; and that a script
//! in a decoder's message did not run.
//!
//! Without a browser these tests say they were skipped and pass, unless
//! `FRAMECHECK_REQUIRE_BROWSER=1` is set (CI sets it): then a missing browser fails them.
//! The browser is `$FRAMECHECK_CHROMIUM`, or the first of `chromium`, `chromium-browser`,
//! `google-chrome` on the `PATH`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{framecheck, temp_dir};

/// How long the browser may take to load and dump one page.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(60);

/// The browser, or `None` (after saying so) when there is none and none is required.
fn browser() -> Option<PathBuf> {
    let named = std::env::var_os("FRAMECHECK_CHROMIUM").map(PathBuf::from);
    let found = named.or_else(|| {
        let path = std::env::var_os("PATH")?;
        ["chromium", "chromium-browser", "google-chrome"]
            .iter()
            .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        let required = std::env::var("FRAMECHECK_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "FRAMECHECK_REQUIRE_BROWSER=1, but no browser was found: install Chromium \
             (Debian: apt-get install chromium) or set FRAMECHECK_CHROMIUM to its binary"
        );
        eprintln!("skipped: no chromium on the PATH (set FRAMECHECK_REQUIRE_BROWSER=1 to fail)");
    }
    found
}

/// Runs the browser headless on `page` with `args`, killed after [`BROWSER_TIMEOUT`]; returns
/// what it printed.
fn headless(browser: &Path, page: &Path, args: &[&str]) -> String {
    let dir = temp_dir();
    let out = dir.join("stdout");
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: cannot start the browser: {e}", browser.display()));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > BROWSER_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the browser did not finish within {BROWSER_TIMEOUT:?} on {}",
                page.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        status.success(),
        "the browser failed on {}: {status}",
        page.display()
    );
    std::fs::read_to_string(&out).unwrap()
}

/// The document the browser built from `page`, serialized.
fn dom(browser: &Path, page: &Path) -> String {
    let dom = headless(browser, page, &["--dump-dom"]);
    // The parser adds `<tbody>` to every table: this is the browser's document, not the file.
    assert!(
        dom.contains("<tbody>"),
        "not a document the browser built:\n{dom}"
    );
    dom
}

/// The element of `dom` that opens with `start` (up to its closing `end`).
fn element<'a>(dom: &'a str, start: &str, end: &str) -> &'a str {
    let i = dom
        .find(start)
        .unwrap_or_else(|| panic!("no {start} in the page:\n{dom}"));
    let j = dom[i..].find(end).map_or(dom.len(), |j| i + j + end.len());
    &dom[i..j]
}

#[test]
fn a_failing_runs_page_shows_its_minimal_case_drawn_in_a_browser() {
    let Some(browser) = browser() else { return };
    let dir = temp_dir();
    let page = dir.join("report.html");
    framecheck()
        .args([
            "run",
            "--decoder",
            "zoo:no-drain-loop",
            "--framing",
            "u16be",
            "--html",
        ])
        .arg(&page)
        .assert()
        .code(1);
    let dom = dom(&browser, &page);
    let section = element(
        &dom,
        "<section class=\"failure fail\" id=\"failure-u16be-max-65535-stuck-frame\"",
        "</section>",
    );
    assert!(
        section.contains("FAIL <span class=\"kind\">stuck-frame</span>"),
        "{section}"
    );
    let svg = element(section, "<svg", "</svg>");
    for class in [
        "chunk",
        "byte",
        "header",
        "seam",
        "frame expected",
        "frame actual",
    ] {
        assert!(
            svg.contains(&format!("class=\"{class}\"")),
            "the picture has no {class}:\n{svg}"
        );
    }
    // The frame the decoder left behind is due in the read but missing from what it emitted.
    let lane = element(svg, "<g class=\"lane\" data-call=\"chunk 0\"", "</g>");
    assert_eq!(
        lane.matches("class=\"frame expected\"").count(),
        lane.matches("class=\"frame actual\"").count() + 1,
        "{lane}"
    );
    assert!(
        svg.contains("<g class=\"lane failing\" data-call=\"EOF\""),
        "{svg}"
    );
    let table = element(section, "<table class=\"calls\"", "</table>");
    let failing = element(table, "<tr class=\"call failing\"", "</tr>");
    assert!(
        failing.contains(">EOF<") && failing.contains("rejected: EOF inside a frame"),
        "{failing}"
    );
    assert!(table.contains("2 frames: (empty), (empty) → ok"), "{table}");
    let reproduce = element(section, "<pre class=\"reproduce\">", "</pre>");
    assert!(
        reproduce.contains("Reproduce with: framecheck replay --decoder zoo:no-drain-loop"),
        "{reproduce}"
    );
    // The summary links to the section.
    assert!(dom.contains("<a href=\"#failure-u16be-max-65535-stuck-frame\">stuck-frame</a>"));
    // And it draws: a screenshot of the page is a picture, not an error page.
    let shot = dir.join("report.png");
    headless(
        &browser,
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1000,800",
        ],
    );
    let png = std::fs::read(&shot).expect("no screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{} bytes",
        png.len()
    );
}

/// Rejects everything, with a message that sets the page's title if any script runs.
struct Hostile;

impl framecheck::FrameDecoder for Hostile {
    fn feed(&mut self, _: &[u8], _: &mut Vec<Vec<u8>>) -> Result<(), framecheck::Rejection> {
        Err(framecheck::Rejection::new(
            "<script>document.title='pwned'</script>\
             <img src=x onerror=\"document.title='pwned'\">",
        ))
    }

    fn eof(&mut self, _: &mut Vec<Vec<u8>>) -> Result<(), framecheck::Rejection> {
        Ok(())
    }
}

#[test]
fn a_script_in_a_decoders_message_does_not_run_in_the_browser() {
    let Some(browser) = browser() else { return };
    let framing: framecheck::Framing = "u8:max=16".parse().unwrap();
    let report = framecheck::Suite::new(framing)
        .random_cases(2)
        .run(|| Hostile);
    let page = temp_dir().join("hostile.html");
    std::fs::write(&page, framecheck::report::to_html("hostile", &[report])).unwrap();
    let dom = dom(&browser, &page);
    assert!(
        dom.contains("<title>hostile</title>"),
        "a script ran:\n{dom}"
    );
    assert!(!dom.contains("<script") && !dom.contains("<img"), "{dom}");
    assert!(
        dom.contains("&lt;script&gt;document.title"),
        "the message is not shown"
    );
}

#[test]
fn a_matrix_page_opens_failing_cells_to_their_minimal_cases_in_a_browser() {
    use framecheck::matrix::{group_of, Row};
    let Some(browser) = browser() else { return };
    // Two rows through the library (the whole matrix takes minutes in a debug build).
    let framing: framecheck::Framing = "u16be".parse().unwrap();
    let rows: Vec<Row> = ["reference", "no-drain-loop"]
        .into_iter()
        .map(|name| {
            let zoo = framecheck::zoo::by_name(name);
            let report = framecheck::Suite::new(framing)
                .random_cases(4)
                .run(move || match zoo {
                    Some(z) => z.build(framing),
                    None => Box::new(framecheck::ReferenceDecoder::new(framing)),
                });
            let mut cells = std::collections::BTreeMap::new();
            for c in &report.results {
                let cell: &mut (usize, std::collections::BTreeMap<_, usize>) =
                    cells.entry(group_of(c.kind)).or_default();
                cell.0 += 1;
                if let framecheck::report::Status::Fail(k) = c.status {
                    *cell.1.entry(k).or_default() += 1;
                }
            }
            Row {
                decoder: name,
                reference: zoo.is_none(),
                framing,
                cells,
                report,
            }
        })
        .collect();
    let page = temp_dir().join("matrix.html");
    std::fs::write(&page, framecheck::matrix::html(&rows)).unwrap();
    let dom = dom(&browser, &page);
    let matrix = element(&dom, "<table class=\"matrix\"", "</table>");
    let reference = element(
        matrix,
        "<tr class=\"row\" id=\"row0-reference-row\"",
        "</tr>",
    );
    assert!(!reference.contains("cell-fail"), "{reference}");
    let buggy = element(
        matrix,
        "<tr class=\"row\" id=\"row1-no-drain-loop-row\"",
        "</tr>",
    );
    let cell = element(buggy, "<td class=\"cell-fail\"><details>", "</td>");
    let target = "row1-no-drain-loop-failure-u16be-max-65535-stuck-frame";
    assert!(
        cell.contains(&format!("<a href=\"#{target}\">stuck-frame")),
        "{cell}"
    );
    let section = element(&dom, &format!("id=\"{target}\""), "</section>");
    assert!(section.contains("class=\"seam\"") && section.contains("Reproduce with:"));
}
