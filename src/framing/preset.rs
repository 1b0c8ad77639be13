//! Presets: real protocols' framings by name, each expanding to a length-field layout
//! (`field:…`, see `layout`) or a varint with an offset.
//!
//! | preset | expands to | specification |
//! |---|---|---|
//! | `postgres` | `field:offset=1:width=4:adjust=-4:strip=0` | PostgreSQL frontend/backend protocol, "Message Formats" (every message after the startup message) |
//! | `grpc` | `field:offset=1:width=4:max=4194304` | gRPC over HTTP/2, "Length-Prefixed-Message" |
//! | `mysql` | `field:width=3:le:adjust=1:strip=3:maxof=field:max=16777215` | MySQL client/server protocol, "MySQL Packets" |
//! | `http2` | `field:width=3:adjust=6:strip=0:maxof=field:max=16384` | RFC 9113 §4.1, "Frame Format" |
//! | `tls` | `field:offset=3:width=2:strip=0:maxof=field:max=18432` | RFC 5246 §6.2.3 and RFC 8446 §5.2, TLS records |
//! | `amqp` | `field:offset=3:width=4:strip=0:trailer=ce:maxof=frame:max=131072` | AMQP 0-9-1 §4.2.3, "General Frame Format" |
//! | `kafka` | `field:width=4:max=104857600` | Apache Kafka protocol guide, "Common Request and Response Structure" |
//! | `dns` | `field:width=2` | RFC 1035 §4.2.2 and RFC 7766 §8, DNS over TCP |
//! | `mqtt` | `varint:offset=1:bytes=4:strip=0:max=268435455` | MQTT 5.0 §2.1 and §1.5.5, "Variable Byte Integer" |
//!
//! A preset takes the same options as what it expands to, after its name: `http2:max=1048576`
//! raises HTTP/2's `SETTINGS_MAX_FRAME_SIZE`. A framing keeps its preset's name for as long as
//! only the shared limits (`max`, `noempty`) differ from the preset; an option that changes
//! the layout makes it a plain `field:…` framing, printed as such.
//!
//! ```
//! use framecheck::Framing;
//!
//! let h2: Framing = "http2".parse().unwrap();
//! assert_eq!(h2.to_string(), "http2:max=16384");
//! // A SETTINGS frame with no settings: 9 header bytes, nothing after, emitted whole.
//! let settings = [0, 0, 0, 4, 0, 0, 0, 0, 0];
//! assert_eq!(h2.expect(&settings).frames[0].payload, 0..9);
//! let bigger: Framing = "http2:max=65536".parse().unwrap();
//! assert_eq!(bigger.to_string(), "http2:max=65536");
//! ```

/// A named protocol framing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Preset(u8);

struct Entry {
    name: &'static str,
    expands_to: &'static str,
    spec: &'static str,
}

const PRESETS: &[Entry] = &[
    Entry {
        name: "postgres",
        expands_to: "field:offset=1:width=4:adjust=-4:strip=0",
        spec: "PostgreSQL frontend/backend protocol, \"Message Formats\": a type byte, then an \
               Int32 length that counts itself and the body, not the type byte",
    },
    Entry {
        name: "grpc",
        expands_to: "field:offset=1:width=4:max=4194304",
        spec: "gRPC over HTTP/2, \"Length-Prefixed-Message\": a compressed-flag byte, a 4-byte \
               big-endian length, the message (4 MiB is the usual receive limit)",
    },
    Entry {
        name: "mysql",
        expands_to: "field:width=3:le:adjust=1:strip=3:maxof=field:max=16777215",
        spec: "MySQL client/server protocol, \"MySQL Packets\": a 3-byte little-endian payload \
               length, a sequence id byte, the payload; emitted with the sequence id",
    },
    Entry {
        name: "http2",
        expands_to: "field:width=3:adjust=6:strip=0:maxof=field:max=16384",
        spec: "RFC 9113 §4.1: a 24-bit payload length, then type, flags and stream id (6 bytes \
               the length leaves out), then the payload; SETTINGS_MAX_FRAME_SIZE starts at 16384",
    },
    Entry {
        name: "tls",
        expands_to: "field:offset=3:width=2:strip=0:maxof=field:max=18432",
        spec: "RFC 5246 §6.2.3 and RFC 8446 §5.2: content type and version, then a 2-byte \
               length of at most 2^14 + 2048",
    },
    Entry {
        name: "amqp",
        expands_to: "field:offset=3:width=4:strip=0:trailer=ce:maxof=frame:max=131072",
        spec: "AMQP 0-9-1 §4.2.3: type octet, channel short, a 4-byte payload size, the \
               payload, the frame-end octet ce; frame-max (131072, RabbitMQ's default) counts the \
               whole frame, header and frame end included",
    },
    Entry {
        name: "kafka",
        expands_to: "field:width=4:max=104857600",
        spec: "Apache Kafka protocol guide: every request and response is an int32 size, then \
               that many bytes (100 MiB is the broker's socket.request.max.bytes)",
    },
    Entry {
        name: "dns",
        expands_to: "field:width=2",
        spec: "RFC 1035 §4.2.2 and RFC 7766 §8: each DNS message over TCP after a two-byte \
               length",
    },
    Entry {
        name: "mqtt",
        expands_to: "varint:offset=1:bytes=4:strip=0:max=268435455",
        spec: "MQTT 5.0 §2.1 and §1.5.5: a fixed header byte, then the remaining length as a \
               Variable Byte Integer of at most 4 bytes",
    },
];

impl Preset {
    /// Every preset, in the order of the module's table.
    pub fn all() -> impl Iterator<Item = Preset> {
        (0..PRESETS.len() as u8).map(Preset)
    }

    /// The preset called `name`.
    pub fn named(name: &str) -> Option<Preset> {
        Preset::all().find(|p| p.name() == name)
    }

    fn entry(self) -> &'static Entry {
        &PRESETS[self.0 as usize]
    }

    /// Its name, as a framing string starts (`postgres`).
    pub fn name(self) -> &'static str {
        self.entry().name
    }

    /// The framing string it expands to.
    pub fn expands_to(self) -> &'static str {
        self.entry().expands_to
    }

    /// The specification it follows, in one line.
    pub fn spec(self) -> &'static str {
        self.entry().spec
    }

    /// The names of every preset, for help texts.
    pub fn names() -> Vec<&'static str> {
        Preset::all().map(Preset::name).collect()
    }
}
