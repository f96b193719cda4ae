use std::path::Path;

use packagebuild::BuildError;

/// The Debian major version of this host, from `/etc/debian_version`.
pub fn debian_major(path: &Path) -> Result<u32, BuildError> {
    let text = std::fs::read_to_string(path).map_err(|_| BuildError::Usage(format!(
        "cannot read {}: this is not a Debian host; build on Debian (or in a Debian builder image), or pass --target debN",
        path.display()
    )))?;
    parse_debian_version(&text).ok_or_else(|| {
        BuildError::Usage(format!(
            "{} says {:?}, which names no Debian release this builder knows; pass --target debN",
            path.display(),
            text.trim()
        ))
    })
}

/// `12.5` → 12; testing and unstable name their codename (`trixie/sid`).
pub fn parse_debian_version(text: &str) -> Option<u32> {
    let t = text.trim();
    if let Some(n) = t.split('.').next().and_then(|m| m.parse().ok()) {
        return Some(n);
    }
    let codename = t.split('/').next()?;
    match codename {
        "buster" => Some(10),
        "bullseye" => Some(11),
        "bookworm" => Some(12),
        "trixie" => Some(13),
        "forky" => Some(14),
        _ => None,
    }
}
