//! Reading options out of a container's `args`, in both forms the tools
//! accept (`--opt value` and `--opt=value`).

/// Every value given to `opt` (e.g. `"--target"`), in order.
pub fn values<'a>(args: &'a [String], opt: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == opt {
            if let Some(v) = it.next() {
                out.push(v.as_str());
            }
        } else if let Some(v) = a.strip_prefix(opt).and_then(|r| r.strip_prefix('=')) {
            out.push(v);
        }
    }
    out
}

/// The last value given to `opt`, as clap keeps it.
pub fn value<'a>(args: &'a [String], opt: &str) -> Option<&'a str> {
    values(args, opt).pop()
}

/// Whether the flag `opt` (e.g. `"--dev"`) is given.
pub fn flag(args: &[String], opt: &str) -> bool {
    args.iter().any(|a| a == opt)
}

/// The values of a comma-separated list option (e.g. `--expect a,b`), over
/// every occurrence, without empty items.
pub fn list<'a>(args: &'a [String], opt: &str) -> Vec<&'a str> {
    values(args, opt)
        .into_iter()
        .flat_map(|v| v.split(','))
        .filter(|v| !v.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn both_forms() {
        let args = a(&[
            "--target",
            "deb12",
            "--stage=gs://b/x",
            "--dev",
            "--expect",
            "a,b",
            "--expect=c",
        ]);
        assert_eq!(value(&args, "--target"), Some("deb12"));
        assert_eq!(value(&args, "--stage"), Some("gs://b/x"));
        assert_eq!(value(&args, "--stag"), None);
        assert!(flag(&args, "--dev"));
        assert!(!flag(&args, "--json"));
        assert_eq!(list(&args, "--expect"), ["a", "b", "c"]);
    }
}
