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
