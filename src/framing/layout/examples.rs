//! The worked examples of the two libraries whose numbers a layout borrows, byte for byte:
//! every example in the documentation of Netty's `LengthFieldBasedFrameDecoder` and of
//! tokio-util's `LengthDelimitedCodec` (version 0.7), as a layout and the frame it decodes.
//! The unit tests hold the specification to each; the golden vectors carry them too.

/// One library's worked example.
#[derive(Clone, Copy, Debug)]
pub struct WorkedExample {
    /// A short id: `netty-1` … `tokio-7`.
    pub id: &'static str,
    /// The builder's settings, as the library's documentation gives them.
    pub settings: &'static str,
    /// The layout that says the same.
    pub framing: &'static str,
    /// The input, one frame, in hex.
    pub input: &'static str,
    /// The frame decoded from it, in hex.
    pub decoded: &'static str,
}

/// Netty's seven examples (`LengthFieldBasedFrameDecoder`'s class documentation), in its
/// order. Netty's `lengthAdjustment` counts from the end of the field, which is the meaning
/// `adjust` has by default.
pub const NETTY: &[WorkedExample] = &[
    WorkedExample {
        id: "netty-1",
        settings: "lengthFieldOffset=0 lengthFieldLength=2 lengthAdjustment=0 initialBytesToStrip=0",
        framing: "field:width=2:strip=0",
        input: concat!("000c", "48454c4c4f2c20574f524c44"),
        decoded: concat!("000c", "48454c4c4f2c20574f524c44"),
    },
    WorkedExample {
        id: "netty-2",
        settings: "lengthFieldOffset=0 lengthFieldLength=2 lengthAdjustment=0 initialBytesToStrip=2",
        framing: "field:width=2:strip=2",
        input: concat!("000c", "48454c4c4f2c20574f524c44"),
        decoded: "48454c4c4f2c20574f524c44",
    },
    WorkedExample {
        id: "netty-3",
        settings: "lengthFieldOffset=0 lengthFieldLength=2 lengthAdjustment=-2 initialBytesToStrip=0",
        framing: "field:width=2:adjust=-2:strip=0",
        input: concat!("000e", "48454c4c4f2c20574f524c44"),
        decoded: concat!("000e", "48454c4c4f2c20574f524c44"),
    },
    WorkedExample {
        id: "netty-4",
        settings: "lengthFieldOffset=2 lengthFieldLength=3 lengthAdjustment=0 initialBytesToStrip=0",
        framing: "field:width=3:offset=2:strip=0",
        input: concat!("cafe", "00000c", "48454c4c4f2c20574f524c44"),
        decoded: concat!("cafe", "00000c", "48454c4c4f2c20574f524c44"),
    },
    WorkedExample {
        id: "netty-5",
        settings: "lengthFieldOffset=0 lengthFieldLength=3 lengthAdjustment=2 initialBytesToStrip=0",
        framing: "field:width=3:adjust=2:strip=0",
        input: concat!("00000c", "cafe", "48454c4c4f2c20574f524c44"),
        decoded: concat!("00000c", "cafe", "48454c4c4f2c20574f524c44"),
    },
    WorkedExample {
        id: "netty-6",
        settings: "lengthFieldOffset=1 lengthFieldLength=2 lengthAdjustment=1 initialBytesToStrip=3",
        framing: "field:width=2:offset=1:adjust=1:strip=3",
        input: concat!("ca", "000c", "fe", "48454c4c4f2c20574f524c44"),
        decoded: concat!("fe", "48454c4c4f2c20574f524c44"),
    },
    WorkedExample {
        id: "netty-7",
        settings: "lengthFieldOffset=1 lengthFieldLength=2 lengthAdjustment=-3 initialBytesToStrip=3",
        framing: "field:width=2:offset=1:adjust=-3:strip=3",
        input: concat!("ca", "0010", "fe", "48454c4c4f2c20574f524c44"),
        decoded: concat!("fe", "48454c4c4f2c20574f524c44"),
    },
];

/// tokio-util's seven read examples (`codec::length_delimited`'s module documentation), in
/// its order. tokio-util's `length_adjustment` counts from the end of the `num_skip` bytes,
/// which is `adjust-base=strip`.
pub const TOKIO: &[WorkedExample] = &[
    WorkedExample {
        id: "tokio-1",
        settings: "length_field_offset(0) length_field_type::<u16>() length_adjustment(0)",
        framing: "field:width=2:adjust-base=strip",
        input: concat!("000b", "48656c6c6f20776f726c64"),
        decoded: "48656c6c6f20776f726c64",
    },
    WorkedExample {
        id: "tokio-2",
        settings: "length_field_offset(0) length_field_type::<u16>() length_adjustment(2) num_skip(0)",
        framing: "field:width=2:adjust=2:adjust-base=strip:strip=0",
        input: concat!("000b", "48656c6c6f20776f726c64"),
        decoded: concat!("000b", "48656c6c6f20776f726c64"),
    },
    WorkedExample {
        id: "tokio-3",
        settings: "length_field_offset(0) length_field_type::<u16>() length_adjustment(-2)",
        framing: "field:width=2:adjust=-2:adjust-base=strip",
        input: concat!("000d", "48656c6c6f20776f726c64"),
        decoded: "48656c6c6f20776f726c64",
    },
    WorkedExample {
        id: "tokio-4",
        settings: "length_field_offset(0) length_field_length(3) length_adjustment(3 + 2) num_skip(0)",
        framing: "field:width=3:adjust=5:adjust-base=strip:strip=0",
        input: concat!("00000b", "cafe", "48656c6c6f20776f726c64"),
        decoded: concat!("00000b", "cafe", "48656c6c6f20776f726c64"),
    },
    WorkedExample {
        id: "tokio-5",
        settings: "length_field_offset(1) length_field_type::<u16>() length_adjustment(1) num_skip(3)",
        framing: "field:width=2:offset=1:adjust=1:adjust-base=strip:strip=3",
        input: concat!("ca", "000b", "fe", "48656c6c6f20776f726c64"),
        decoded: concat!("fe", "48656c6c6f20776f726c64"),
    },
    WorkedExample {
        id: "tokio-6",
        settings: "length_field_offset(1) length_field_type::<u16>() length_adjustment(-3) num_skip(3)",
        framing: "field:width=2:offset=1:adjust=-3:adjust-base=strip:strip=3",
        input: concat!("ca", "000f", "fe", "48656c6c6f20776f726c64"),
        decoded: concat!("fe", "48656c6c6f20776f726c64"),
    },
    WorkedExample {
        id: "tokio-7",
        settings: "length_field_offset(0) length_field_length(3) length_adjustment(0) num_skip(4)",
        framing: "field:width=3:adjust-base=strip:strip=4",
        input: concat!("00000b", "ff", "48656c6c6f20776f726c64"),
        decoded: "48656c6c6f20776f726c64",
    },
];
