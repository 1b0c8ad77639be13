//! The wire formats' shared contract, checked for every built-in format and option.

use super::*;

#[test]
fn names_round_trip_through_display() {
    for f in Framing::catalog() {
        let again: Framing = f.to_string().parse().unwrap();
        assert_eq!(again, f);
    }
    let f: Framing = "u16le:max=300:incl:noempty".parse().unwrap();
    assert_eq!(f.to_string(), "u16le:max=300:incl:noempty");
    let f: Framing = "lines:max=9:eof=emit:resync:text:crlf:noempty"
        .parse()
        .unwrap();
    assert_eq!(
        f.to_string(),
        "lines:max=9:eof=emit:resync:text:crlf:noempty"
    );
}

#[test]
fn bad_specs_say_what_is_wrong() {
    let e = "u24be".parse::<Framing>().unwrap_err().to_string();
    assert!(e.contains("unknown wire format"), "{e}");
    assert!(
        e.contains("u64le, varint, netstring, lines, fixed:size=N, field, or a preset: postgres"),
        "{e}"
    );
    let e = "u8:max=256".parse::<Framing>().unwrap_err().to_string();
    assert!(e.contains("max=256") && e.contains("255"), "{e}");
    let e = "u8:max=x".parse::<Framing>().unwrap_err().to_string();
    assert!(e.contains("not a whole number"), "{e}");
    let e = "u8:frob".parse::<Framing>().unwrap_err().to_string();
    assert!(e.contains("unknown option") && e.contains("incl"), "{e}");
}

#[test]
fn every_registered_name_parses_and_names_itself() {
    for f in Framing::catalog() {
        assert_eq!(
            Wire::from_name(&f.name()).map(|w| w.format().name()),
            Some(f.name())
        );
    }
}

/// Every built-in format with each of its options, as the suite runs them.
fn every_framing() -> Vec<Framing> {
    let mut all = Framing::catalog();
    for s in [
        "u8:max=3",
        "u16be:max=300:incl:noempty",
        "u32le:max=1000:incl",
        "varint:max=1000:overlong",
        "varint:max=200:noempty",
        "netstring:max=100",
        "lines:max=16:eof=emit:resync:text:crlf",
        "lines:max=0:noempty",
        "fixed:size=1",
    ] {
        all.push(s.parse().unwrap());
    }
    all
}

/// The [`Format`] contract, clause 1: what the encoder writes, the specification reads
/// back, and the header parse sees a header of `header_len` bytes at each frame.
#[test]
fn every_format_reads_back_what_it_writes() {
    for f in every_framing() {
        let messages: Vec<Vec<u8>> = [vec![], b"a".to_vec(), pattern(300), b"\n\r".to_vec()]
            .into_iter()
            .map(|m| f.conform(m))
            .filter(|m| (f.empty_frames() || !m.is_empty()) && m.len() as u64 <= f.max_frame_len())
            .collect();
        let enc = f.encode(&messages).unwrap_or_else(|e| panic!("{f}: {e}"));
        let spec = f.expect(&enc.bytes);
        assert_eq!(spec.end, End::Clean, "{f}");
        let payloads: Vec<&[u8]> = spec
            .frames
            .iter()
            .map(|x| &enc.bytes[x.payload.clone()])
            .collect();
        let want: Vec<&[u8]> = messages.iter().map(|m| &m[..]).collect();
        assert_eq!(payloads, want, "{f}");
        for (range, m) in enc.frames.iter().zip(&messages) {
            match f.parse_header(&enc.bytes[range.clone()]) {
                HeaderParse::Frame {
                    header_len,
                    payload,
                } => {
                    assert_eq!(header_len, f.header_len(m.len() as u64), "{f}");
                    assert_eq!(payload, m.len() as u64, "{f}");
                }
                other => panic!("{f}: {other:?} at a frame it wrote"),
            }
        }
    }
}

/// The [`Format`] contract, clause 2: the header parse is incremental. Byte by byte, a
/// header's prefix is `NeedMore` until the header is whole, and once a prefix proves it
/// bad, every longer prefix says the same number of bytes prove it.
#[test]
fn every_header_parse_is_incremental() {
    for f in every_framing() {
        let max = f.max_frame_len();
        let mut headers: Vec<Vec<u8>> = [0, 1, max, max + 1, f.field_max()]
            .into_iter()
            .filter_map(|v| f.header_for_field(v))
            .collect();
        headers.extend(f.adversaries().into_iter().map(|a| match a.bytes {
            AdversaryBytes::Raw(b) => b,
            AdversaryBytes::Messages { tail, .. } => tail,
        }));
        for h in headers {
            let mut proof: Option<usize> = None;
            let mut whole: Option<usize> = None;
            for k in 0..=h.len() {
                let (now, done) = match f.parse_header(&h[..k]) {
                    HeaderParse::NeedMore { proven } => (proven, None),
                    HeaderParse::Bad {
                        proven, header_len, ..
                    } => (Some(proven), Some(header_len)),
                    HeaderParse::Frame { header_len, .. } => (None, Some(header_len)),
                };
                if proof.is_some() {
                    assert_eq!(now, proof, "{f}: {} bytes of {h:02x?}", k);
                }
                if let Some(w) = whole {
                    assert_eq!(done, Some(w), "{f}: {} bytes of {h:02x?}", k);
                }
                proof = proof.or(now);
                whole = whole.or(done);
            }
        }
    }
}

#[test]
fn encode_refuses_messages_over_max() {
    let f: Framing = "u8:max=2".parse().unwrap();
    let e = f.encode(&[b"abc".to_vec()]).unwrap_err().to_string();
    assert!(e.contains("message 0") && e.contains("3 bytes"), "{e}");
}
