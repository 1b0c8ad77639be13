//! Stream kinds: what a generated stream tests, as data.
//!
//! Every generator mints its streams with a [`StreamKind`]: the formats' adversarial streams
//! (`Format::adversaries`, the message sets, the random
//! cases and the golden vectors. The matrix sorts cases into columns by kind, and the vector
//! generator derives flags from it. Names are for people; renaming a stream moves nothing.
//!
//! The kinds sit at the bottom of the crate, below the wire formats that mint them.

/// What a stream tests, set where the stream is made (the message sets, the adversarial
/// generators, the random cases, the golden vectors).
///
/// The kind is data beside the stream's `name`: the matrix sorts cases into
/// its columns by kind and the vector generator derives flags from it, so renaming a stream
/// changes what is printed and nothing else. A stream made by hand, replayed from a token or
/// read from fuzzer bytes is [`Other`](StreamKind::Other).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum StreamKind {
    /// Not made by a generator: by hand, from a replay token, from fuzzer bytes.
    #[default]
    Other,
    /// One of the message sets: valid messages (`empty-stream`, `mixed`, `ascending`…).
    Messages,
    /// The seed's worked example (`abc`, `hi`, `ping`), a message set of its own.
    WorkedExample,
    /// Valid frames at an edge of the length range.
    LengthEdge(LengthEdge),
    /// A length header (or delimiter) that a decoder may mishandle.
    HostileHeader(Hostile),
    /// A stream that ends inside a frame.
    Truncation(Truncation),
    /// An edge of a wire format other than its length: line ends and text in lines
    /// (`cr-lf`, `unterminated`, `not-utf8`…), a byte past the last fixed-size frame.
    WireEdge,
    /// A seeded random stream (`random#N`).
    Random,
    /// Many frames in one stream (`bulk`): counts just past 2^8 and 2^16, reads of
    /// hundreds to thousands of frames, buffers of 4, 8 and 64 KiB wrapped several times.
    Bulk(Bulk),
    /// One long stream of seeded mixed segments, all fed to one decoder instance
    /// (`long-lived`, `bulk::long_lived`).
    LongLived,
    /// A golden vector's stream (`vector:ID`).
    Vector,
}

/// Which edge of the length range a [`StreamKind::LengthEdge`] stream holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LengthEdge {
    /// A frame of length 0 (`len=0`).
    Zero,
    /// A frame of length 1 (`len=1`).
    One,
    /// A frame one byte below the maximum (`len=max-1`).
    BelowMax,
    /// A frame of exactly the maximum length (`len=max`).
    Max,
    /// A frame of this length, at a field-width boundary (the message sets' `len=N`).
    Len(u64),
    /// This many empty frames in a row (`empty-xN`).
    EmptyRun(usize),
}

/// What a [`StreamKind::HostileHeader`] stream's header does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Hostile {
    /// One byte over the maximum, then a few bytes (`len=max+1`).
    OverMax,
    /// One byte over the maximum with the whole payload, then a good frame
    /// (`len=max+1-complete`).
    OverMaxComplete,
    /// A line one byte too long, then EOF (`len=max+1-unterminated`).
    OverMaxUnterminated,
    /// Two over-long lines back to back (`overlong-x2`).
    OverlongTwice,
    /// A field value at a power-of-two boundary (`field=N`).
    FieldBoundary(u64),
    /// The field's largest value (`field=max-field`).
    FieldMax,
    /// A field value that wraps when the header width is added (`overflow-K`).
    Overflow(u64),
    /// A field with only its top bit set (`top-bit`), or that and its lowest bit
    /// (`top-bit+1`).
    TopBit {
        /// The lowest bit is set too.
        plus_one: bool,
    },
    /// With `:incl`, a field smaller than the header (`incl-below-header=V`).
    BelowHeader(u64),
    /// A non-minimal, overflowing or endless varint (`varint-*`).
    Varint,
    /// A malformed netstring length or a missing comma (`netstring-*`).
    Netstring,
    /// A layout's field below `-adjust`: a negative length (`below-adjust=V`).
    BelowAdjust,
    /// A layout's frame shorter than its `strip` (`strip-past-frame`).
    StripPastFrame,
    /// A wrong byte where a layout's trailer goes (`trailer-wrong@I`).
    Trailer,
}

/// Where a [`StreamKind::Truncation`] stream ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Truncation {
    /// A longer stream cut off after this many bytes (`trunc@K`).
    At(usize),
    /// Inside a varint header (`varint-truncated`).
    VarintHeader,
}

/// What a [`StreamKind::Bulk`] stream holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Bulk {
    /// This many empty frames (one-byte frames where empty ones are not allowed):
    /// `empty-xN`, or `one-byte-xN` under `:noempty`.
    Tiny(usize),
    /// This many one-byte frames, the byte counting up (`counting-xN`).
    Counting(usize),
    /// Mixed small and medium frames over this many bytes, every multiple of 4 KiB inside a
    /// frame (`wraps-NK`).
    Wraps(usize),
}
