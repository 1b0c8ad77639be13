//! A TCP echo server that `framecheck tcp` can test, in Rust: tokio, with tokio-util's
//! `LengthDelimitedCodec` for the framing.
//!
//! ```text
//! cargo run --example tcp_echo_server -- [--port N] [--max N]
//!   --port N  the port on 127.0.0.1 (default: $FRAMECHECK_PORT, else 0 = any free port)
//!   --max N   the largest valid payload in bytes, inclusive (default 1048576)
//! framecheck tcp --framing u32be:max=1048576 \
//!   --spawn 'target/debug/examples/tcp_echo_server --port {port}'
//! ```
//!
//! The framing is `u32be`: a 4-byte big-endian length that counts the payload only, then the
//! payload.
//!
//! ```text
//! +---- len: u32 ----+---- payload ----+
//! | \x00\x00\x00\x03 |      a b c      |
//! +------------------+-----------------+
//! ```
//!
//! Each connection gets its own `Framed` (its own buffer); every frame is echoed as soon as it
//! is decoded, and `Framed` yields every frame a read completes before it reads again. A header
//! above `--max` is rejected by the codec as soon as the header is read, before any payload is
//! buffered, and the connection is dropped. At the peer's half-close the server shuts its side
//! down; a truncated frame at EOF is an error of the codec, never an echo. See
//! `examples/tcp/README.md` for the whole contract.
//!
//! The pieces are public so that other code can drive them: [`handle`] is one connection over
//! any `AsyncRead + AsyncWrite` (a `TcpStream`, or tokio's in-memory `duplex`), and [`serve`]
//! runs the accept loop on a listener. The benchmark includes this file with
//! `#[path = "../examples/tcp_echo_server.rs"] mod server;` and calls `server::serve` on its own
//! listener; `main` only parses the arguments, binds and calls `serve`.

use std::io::Write;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_util::codec::{Framed, LengthDelimitedCodec};

/// The default `--max`: 1 MiB.
pub const DEFAULT_MAX: usize = 1 << 20;

/// The `u32be` framing with an inclusive payload maximum of `max` bytes.
pub fn codec(max: usize) -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder()
        .length_field_offset(0)
        .length_field_length(4)
        .length_adjustment(0) // the length counts the payload only
        .num_skip(4) // the frame handed out is the payload, without its header
        .big_endian()
        .max_frame_length(max)
        .new_codec()
}

/// Serves one connection: echoes every frame, in the same framing, until the peer's EOF.
///
/// Returns `Ok(())` after a clean EOF (the write side is then shut down), and `Err` on a header
/// above `max` (`InvalidData`, raised before the payload is read), on a truncated frame at EOF,
/// or on an I/O error. The stream is dropped, and so closed, in every case.
pub async fn handle<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    max: usize,
) -> std::io::Result<()> {
    let mut framed = Framed::new(stream, codec(max));
    while let Some(frame) = framed.next().await {
        // `send` writes and flushes: the echo leaves before the next read.
        framed.send(frame?.freeze()).await?;
    }
    // Every echo is flushed: shut the write side down (FIN on TCP) before the drop closes it.
    framed.get_mut().shutdown().await
}

/// Accepts connections on `listener` forever, each served by [`handle`] in its own task.
pub async fn serve(listener: TcpListener, max: usize) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                // Echoes are small writes: without this, Nagle can hold one back for an ACK.
                let _ = stream.set_nodelay(true);
                tokio::spawn(async move {
                    // A bad frame or a reset peer ends only its own connection.
                    let _ = handle(stream, max).await;
                });
            }
            Err(e) => {
                // Out of descriptors, say: wait rather than spin.
                eprintln!("tcp_echo_server: accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}

/// Parses `--port` and `--max`, binds 127.0.0.1 and serves until killed.
#[allow(dead_code)] // unused where the file is included as a module (the benchmark)
#[tokio::main]
async fn main() {
    let usage = |message: String| -> ! {
        eprintln!("tcp_echo_server: {message}");
        std::process::exit(2)
    };
    let mut port = std::env::var("FRAMECHECK_PORT").unwrap_or_else(|_| "0".into());
    let mut max = DEFAULT_MAX.to_string();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let slot = match flag.as_str() {
            "--port" => &mut port,
            "--max" => &mut max,
            _ => usage(format!(
                "unknown argument {flag} (expected --port N or --max N)"
            )),
        };
        *slot = args
            .next()
            .unwrap_or_else(|| usage(format!("{flag} needs a value")));
    }
    let port: u16 = port
        .parse()
        .unwrap_or_else(|_| usage(format!("bad port {port:?}")));
    let max: usize = max
        .parse()
        .unwrap_or_else(|_| usage(format!("bad --max {max:?}")));
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap_or_else(|e| usage(format!("cannot listen on 127.0.0.1:{port}: {e}")));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(port);
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "listening on 127.0.0.1:{port}");
    let _ = stdout.flush();
    serve(listener, max).await;
}
