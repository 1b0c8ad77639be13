use super::examples::{WorkedExample, NETTY, TOKIO};
use crate::error::{decode_hex, hex};
use crate::framing::{At, End, ErrorClass, Expectation, Framing, HeaderParse, Wire};

fn framing(s: &str) -> Framing {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn bytes(h: &str) -> Vec<u8> {
    decode_hex("test", h).unwrap()
}

fn reject(e: &Expectation) -> (ErrorClass, At) {
    match &e.end {
        End::Reject { class, at, .. } => (*class, *at),
        End::Clean => panic!("clean: {e:?}"),
    }
}

fn check_worked_example(x: &WorkedExample) {
    let f = framing(x.framing);
    let input = bytes(x.input);
    let spec = f.expect(&input);
    assert_eq!(spec.end, End::Clean, "{}: {}", x.id, x.settings);
    assert_eq!(spec.frames.len(), 1, "{}", x.id);
    assert_eq!(hex(&input[spec.frames[0].payload.clone()]), x.decoded, "{}", x.id);
    // The layout writes the example back from its body, apart from the offset bytes.
    let body = &input[spec.frames[0].body(&f, &input)];
    let again = f.encode(&[body.to_vec()]).unwrap().bytes;
    let offset = match f.wire() {
        Wire::Layout(l) => usize::from(l.offset),
        other => panic!("{other:?}"),
    };
    assert_eq!(again.len(), input.len(), "{}", x.id);
    assert_eq!(again[offset..], input[offset..], "{}", x.id);
}

#[test]
fn every_netty_worked_example_decodes_as_netty_says() {
    NETTY.iter().for_each(check_worked_example);
}

#[test]
fn every_tokio_util_worked_example_decodes_as_tokio_util_says() {
    TOKIO.iter().for_each(check_worked_example);
}

#[test]
fn the_tokio_adjustment_is_nettys_plus_header_minus_strip() {
    // tokio-2: adjust 2 after num_skip 0 on a 2-byte header is Netty's 0.
    let tokio = framing("field:width=2:adjust=2:adjust-base=strip:strip=0");
    let netty = framing("field:width=2:strip=0");
    let stream = bytes("000b48656c6c6f20776f726c64");
    assert_eq!(tokio.expect(&stream), netty.expect(&stream));
}

#[test]
fn a_field_below_minus_adjust_is_a_negative_length() {
    let f = framing("field:width=2:adjust=-4:strip=0");
    let e = f.expect(&bytes("0003"));
    assert_eq!(reject(&e), (ErrorClass::MalformedHeader, At::Byte(1)));
    assert_eq!(f.expect(&bytes("0004")).end, End::Clean);
}

#[test]
fn a_positive_adjustment_past_u64_is_oversized() {
    let f = framing("field:width=8:adjust=7:maxof=field:max=1000");
    let e = f.expect(&bytes("fffffffffffffffa"));
    assert_eq!(reject(&e).0, ErrorClass::Oversized);
    // maxof=field: 1000 in the field is a 1007-byte body, and fine.
    assert_eq!(f.max_frame_len(), 1007);
    assert_eq!(f.to_string(), "field:max=1000:width=8:adjust=7:maxof=field");
}

#[test]
fn maxof_frame_counts_the_header_and_trailer() {
    let f = framing("field:width=2:offset=1:trailer=ce:maxof=frame:max=10");
    assert_eq!(f.max_frame_len(), 6);
    assert_eq!(f.to_string(), "field:max=10:width=2:offset=1:maxof=frame:trailer=ce");
    let e = "field:width=2:maxof=frame:max=1".parse::<Framing>().unwrap_err();
    assert!(e.to_string().contains("leaves no room"), "{e}");
}

#[test]
fn a_frame_shorter_than_strip_is_malformed_at_its_field() {
    let f = framing("field:width=1:strip=4");
    // Bodies of 3 or more bytes reach byte 4; a 2-byte body does not.
    assert_eq!(f.expect(&bytes("03616263")).end, End::Clean);
    assert_eq!(f.expect(&bytes("03616263")).frames[0].payload, 4..4);
    assert_eq!(reject(&f.expect(&bytes("026162"))), (ErrorClass::MalformedHeader, At::Byte(0)));
    // The encoder pads what it is given to the shortest body.
    assert_eq!(f.conform(b"a".to_vec()).len(), 3);
}

#[test]
fn a_wrong_trailer_byte_is_rejected_where_it_stands() {
    let f = framing("amqp");
    // A heartbeat: type 8, channel 0, size 0, the frame end; emitted without its trailer.
    let heartbeat = bytes("08000000000000ce");
    assert_eq!(f.expect(&heartbeat).frames[0].payload, 0..7);
    let wrong = bytes("08000000000000cf");
    assert_eq!(reject(&f.expect(&wrong)), (ErrorClass::MalformedHeader, At::Byte(7)));
}

#[test]
fn offset_bytes_prove_nothing_and_the_field_proves_early() {
    let f = framing("field:width=4:offset=2:max=1000");
    assert_eq!(f.parse_header(&[0xff, 0xff]).proven(), None);
    assert_eq!(f.parse_header(&[0, 0, 0xff]).proven(), Some(3));
    assert!(matches!(f.parse_header(&[0; 5]), HeaderParse::NeedMore { proven: None }));
}

#[test]
fn bad_options_name_the_option() {
    for (spec, want) in [
        ("field:width=5", "width"),
        ("field:width=2:adjust=-70000", "makes every length negative"),
        ("field:width=1:strip=300", "strip"),
        ("field:offset=x", "offset"),
        ("field:trailer=zz", "trailer"),
        ("field:maxof=all", "maxof"),
        ("field:adjust-base=head", "adjust-base"),
        ("postgres:frob", "preset postgres"),
        ("varint:bytes=0", "bytes"),
        ("varint:offset=1:strip=2", "strip"),
    ] {
        let e = spec.parse::<Framing>().unwrap_err().to_string();
        assert!(e.contains(want), "{spec}: {e}");
    }
}

#[test]
fn a_preset_keeps_its_name_until_its_layout_changes() {
    assert_eq!(framing("postgres:max=100").to_string(), "postgres:max=100");
    let changed = framing("postgres:adjust=0");
    assert_eq!(changed.preset(), None);
    assert_eq!(changed.to_string(), "field:max=8388608:width=4:offset=1:strip=0");
    for f in Framing::presets() {
        assert_eq!(framing(&f.to_string()), f);
    }
}
