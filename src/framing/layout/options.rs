//! The layout's options: its framing-string options and its vector-file fields, both
//! directions side by side, and the checks that a layout describes some frame.

use std::fmt;

use serde_json::{Map, Value};

use crate::framing::format::{Format, Registered};
use crate::framing::json::{choice_field, FieldError};
use crate::framing::length_prefix::Endian;
use super::{AdjustBase, Layout, MaxOf, MAX_MIN_BODY, MAX_TRAILER};
use crate::error::{decode_hex, hex, Error};

impl Registered for Layout {
    const NAMES: &'static str = "field";
    const JSON_TYPE: &'static str = "length-field";
    const JSON_FIELDS: &'static [&'static str] = &[
        "offset",
        "width",
        "endian",
        "adjust",
        "adjust_base",
        "strip",
        "max_counts",
        "trailer",
    ];

    fn from_name(name: &str) -> Option<Layout> {
        (name == "field").then(Layout::default)
    }

    fn from_json(o: &Map<String, Value>) -> Result<Layout, FieldError> {
        let int = |field: &str, lo: i128, hi: i128, default: i128| -> Result<i128, FieldError> {
            match o.get(field) {
                None => Ok(default),
                Some(v) => v
                    .as_i64()
                    .map(i128::from)
                    .or_else(|| v.as_u64().map(i128::from))
                    .filter(|n| (lo..=hi).contains(n))
                    .ok_or_else(|| {
                        FieldError::new(
                            field,
                            format!("must be an integer from {lo} to {hi}, found {v}"),
                        )
                    }),
            }
        };
        let width = int("width", 1, 8, 4)? as u8;
        if !matches!(width, 1 | 2 | 3 | 4 | 8) {
            return Err(FieldError::new("width", format!("{width} is not 1, 2, 3, 4 or 8")));
        }
        let trailer = match o.get("trailer") {
            None => Vec::new(),
            Some(Value::String(s)) => decode_hex("trailer", s)
                .ok()
                .filter(|t| !t.is_empty() && t.len() <= MAX_TRAILER)
                .ok_or_else(|| {
                    FieldError::new("trailer", format!("{s:?} is not 1 to 8 bytes of hex"))
                })?,
            Some(v) => {
                return Err(FieldError::new("trailer", format!("must be hex, found {v}")));
            }
        };
        let mut trailer_bytes = [0; MAX_TRAILER];
        trailer_bytes[..trailer.len()].copy_from_slice(&trailer);
        let endian = choice_field(o, "endian", &["big", "little"], Some("big"))?;
        let base = choice_field(o, "adjust_base", &["field", "strip"], Some("field"))?;
        let max_of = choice_field(o, "max_counts", &["body", "frame", "field"], Some("body"))?;
        Ok(Layout {
            offset: int("offset", 0, 255, 0)? as u8,
            width,
            endian: if endian == "big" { Endian::Big } else { Endian::Little },
            adjust: int("adjust", i64::MIN.into(), i64::MAX.into(), 0)? as i64,
            base: if base == "field" { AdjustBase::Field } else { AdjustBase::Strip },
            strip: match o.get("strip") {
                None => None,
                Some(_) => Some(int("strip", 0, u16::MAX.into(), 0)? as u16),
            },
            max_of: match max_of {
                "body" => MaxOf::Body,
                "frame" => MaxOf::Frame,
                _ => MaxOf::Field,
            },
            trailer_len: trailer.len() as u8,
            trailer_bytes,
        })
    }
}

impl Layout {
    fn bad_option(spec: &str, opt: &str, why: impl fmt::Display) -> Error {
        Error::new(format!("framing {spec:?}: {opt}: {why}"))
    }

    pub(super) fn write_json(&self, out: &mut Map<String, Value>) {
        out.insert("offset".into(), Value::from(self.offset));
        out.insert("width".into(), Value::from(self.width));
        let endian = if self.endian == Endian::Big { "big" } else { "little" };
        out.insert("endian".into(), Value::from(endian));
        out.insert("adjust".into(), Value::from(self.adjust));
        if self.base == AdjustBase::Strip {
            out.insert("adjust_base".into(), Value::from("strip"));
        }
        if let Some(s) = self.strip {
            out.insert("strip".into(), Value::from(s));
        }
        let max_of = match self.max_of {
            MaxOf::Body => None,
            MaxOf::Frame => Some("frame"),
            MaxOf::Field => Some("field"),
        };
        if let Some(m) = max_of {
            out.insert("max_counts".into(), Value::from(m));
        }
        if self.trailer_len > 0 {
            out.insert("trailer".into(), Value::from(hex(self.trailer())));
        }
    }

    pub(super) fn write_options(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, ":width={}", self.width)?;
        if self.endian == Endian::Little && self.width > 1 {
            f.write_str(":le")?;
        }
        if self.offset != 0 {
            write!(f, ":offset={}", self.offset)?;
        }
        if self.adjust != 0 {
            write!(f, ":adjust={}", self.adjust)?;
        }
        if self.base == AdjustBase::Strip {
            f.write_str(":adjust-base=strip")?;
        }
        if let Some(s) = self.strip {
            write!(f, ":strip={s}")?;
        }
        match self.max_of {
            MaxOf::Body => {}
            MaxOf::Frame => f.write_str(":maxof=frame")?,
            MaxOf::Field => f.write_str(":maxof=field")?,
        }
        if self.trailer_len > 0 {
            write!(f, ":trailer={}", hex(self.trailer()))?;
        }
        Ok(())
    }

    pub(super) fn read_option(&mut self, spec: &str, opt: &str) -> Result<bool, Error> {
        let (key, value) = opt.split_once('=').unwrap_or((opt, ""));
        let number = |lo: i128, hi: i128| -> Result<i128, Error> {
            value
                .parse::<i128>()
                .ok()
                .filter(|n| (lo..=hi).contains(n))
                .ok_or_else(|| {
                    Layout::bad_option(
                        spec,
                        key,
                        format!("{value:?} is not a whole number from {lo} to {hi}"),
                    )
                })
        };
        match key {
            "le" | "be" if value.is_empty() => {
                self.endian = if key == "le" { Endian::Little } else { Endian::Big };
            }
            "width" => {
                let w = number(1, 8)? as u8;
                if !matches!(w, 1 | 2 | 3 | 4 | 8) {
                    return Err(Layout::bad_option(spec, key, "the width is 1, 2, 3, 4 or 8"));
                }
                self.width = w;
            }
            "offset" => self.offset = number(0, 255)? as u8,
            "adjust" => self.adjust = number(i64::MIN.into(), i64::MAX.into())? as i64,
            "strip" => self.strip = Some(number(0, u16::MAX.into())? as u16),
            "adjust-base" => {
                self.base = match value {
                    "field" => AdjustBase::Field,
                    "strip" => AdjustBase::Strip,
                    _ => return Err(Layout::bad_option(spec, key, "expected field or strip")),
                }
            }
            "maxof" => {
                self.max_of = match value {
                    "body" => MaxOf::Body,
                    "frame" => MaxOf::Frame,
                    "field" => MaxOf::Field,
                    _ => {
                        return Err(Layout::bad_option(spec, key, "expected body, frame or field"))
                    }
                }
            }
            "trailer" => {
                let t = decode_hex("trailer", value)
                    .ok()
                    .filter(|t| !t.is_empty() && t.len() <= MAX_TRAILER)
                    .ok_or_else(|| {
                        Layout::bad_option(spec, key, format!("{value:?} is not 1 to 8 hex bytes"))
                    })?;
                self.trailer_len = t.len() as u8;
                self.trailer_bytes = [0; MAX_TRAILER];
                self.trailer_bytes[..t.len()].copy_from_slice(&t);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    pub(super) fn check(&self, spec: &str) -> Result<(), Error> {
        let top = i128::from(self.field_top()) + self.body_adjust();
        if top < 0 {
            return Err(Layout::bad_option(
                spec,
                "adjust",
                format!(
                    "{} makes every length negative: the largest {}-byte field, {}, plus the \
                     adjustment is {top}",
                    self.adjust,
                    self.width,
                    self.field_top()
                ),
            ));
        }
        if self.min_body() > MAX_MIN_BODY {
            let (option, value) = if self.body_adjust() >= i128::from(self.min_body()) {
                ("adjust", self.adjust.to_string())
            } else {
                ("strip", self.strip_at().to_string())
            };
            return Err(Layout::bad_option(
                spec,
                option,
                format!(
                    "{value} makes every body at least {} bytes; framecheck takes layouts whose \
                     shortest body is at most {MAX_MIN_BODY} bytes (MAX_MIN_BODY: the suite \
                     sends 65,537 frames in one stream)",
                    self.min_body()
                ),
            ));
        }
        if i128::from(self.min_body()) > top {
            return Err(Layout::bad_option(
                spec,
                "strip",
                format!(
                    "{} is longer than any frame: the header is {} bytes and the longest body \
                     {top}",
                    self.strip_at(),
                    self.head()
                ),
            ));
        }
        Ok(())
    }

    pub(super) fn body_max(&self, given: u64) -> Result<u64, String> {
        let overhead = match self.max_of {
            MaxOf::Body => return Ok(given),
            MaxOf::Field => -self.body_adjust(),
            MaxOf::Frame => (self.head() + self.trailer_len as usize) as i128,
        };
        let body = i128::from(given) - overhead;
        if body < i128::from(self.min_body()) {
            let what = match self.max_of {
                MaxOf::Frame => "the whole frame (maxof=frame)",
                _ => "the field before the adjustment (maxof=field)",
            };
            return Err(format!(
                "max={given} bounds {what}, which leaves no room for a frame: the body would be \
                 at most {body} bytes"
            ));
        }
        Ok(u64::try_from(body).unwrap_or(u64::MAX))
    }

    pub(super) fn shown_max(&self, body: u64) -> u64 {
        let shown = match self.max_of {
            MaxOf::Body => return body,
            MaxOf::Field => i128::from(body) - self.body_adjust(),
            MaxOf::Frame => i128::from(body) + (self.head() + self.trailer_len as usize) as i128,
        };
        u64::try_from(shown.max(0)).unwrap_or(u64::MAX)
    }
}
