//! Writing a saved failure's files: each named by a hash of its contents, written once, never
//! overwritten.

use std::path::Path;

use crate::error::Error;

/// 12 hex digits of the FNV-1a 64 hash of `data`: stable across platforms and releases, so
/// the same contents always get the same name.
pub(super) fn content_hash(data: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")[..12].to_string()
}

/// Writes `data` to `path` unless the same bytes are there already (`Ok(false)`); other bytes
/// under that name are an error, never overwritten. Written to a temporary name first and
/// renamed, so that a file is either whole or absent.
pub(super) fn write_once(path: &Path, data: &[u8]) -> Result<bool, Error> {
    if path.exists() {
        let there = std::fs::read(path)
            .map_err(|e| Error::new(format!("{}: cannot read: {e}", path.display())))?;
        if there == data {
            return Ok(false);
        }
        return Err(Error::new(format!(
            "{}: already there with other contents, not overwritten (a saved failure is named \
             by a hash of its contents, so this file was changed since): move it away, or save \
             to another folder",
            path.display()
        )));
    }
    let parent = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| {
        Error::new(format!(
            "{}: cannot create the folder: {e}",
            parent.display()
        ))
    })?;
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let temp = parent.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&temp, data)
        .and_then(|()| std::fs::rename(&temp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            Error::new(format!("{}: cannot write: {e}", path.display()))
        })?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_hashes_are_stable_across_releases() {
        // FNV-1a 64 of "a": names must not change when the standard library's hasher does.
        assert_eq!(content_hash(b"a"), "af63dc4c8601");
        assert_eq!(content_hash(b""), "cbf29ce48422");
    }
}
