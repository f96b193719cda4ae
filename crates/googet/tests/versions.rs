//! googet version parsing and ordering (googet.md "Versions").

use std::cmp::Ordering;

use googet::{Prerelease, Version, compare};
use proptest::prelude::*;

fn v(s: &str) -> Version {
    Version::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[test]
fn parts_are_filled_on_the_left_and_leading_zeros_dropped() {
    for (text, want) in [
        ("1", (0, 0, 1, 0)),
        ("1.2", (0, 1, 2, 0)),
        ("1.2.3", (1, 2, 3, 0)),
        ("20240101.00", (0, 20240101, 0, 0)),
        ("20240101.00@1", (0, 20240101, 0, 1)),
        ("20240101.00.0@1", (20240101, 0, 0, 1)),
        ("007.010.000@12", (7, 10, 0, 12)),
        ("1.2.3@-1", (1, 2, 3, -1)),
        ("1.2.3@+4", (1, 2, 3, 4)),
        // Like goopack: an empty version part is 0, so an undefined
        // variable in "{{.version}}@1" still parses (which is why this
        // packer refuses undefined variables instead).
        ("@1", (0, 0, 0, 1)),
        ("1..2", (1, 0, 2, 0)),
    ] {
        let p = v(text);
        assert_eq!((p.major, p.minor, p.patch, p.release), want, "{text}");
        assert_eq!(p.raw(), text);
    }
}

#[test]
fn pre_release_and_build_metadata() {
    let p = v("20240101.00.0-rc.1+win.x64@1");
    assert_eq!(
        p.pre,
        [Prerelease::Alpha("rc".into()), Prerelease::Numeric(1)]
    );
    assert_eq!(p.build, ["win", "x64"]);
    assert_eq!(p.normalized(), "20240101.0.0-rc.1+win.x64@1");
    // From the first + or - on is a suffix, even before three numbers.
    let p = v("1.2-beta");
    assert_eq!((p.major, p.minor, p.patch), (0, 1, 2));
}

#[test]
fn invalid_versions() {
    for (text, why) in [
        ("1.2.3.4", "not a number"),
        ("v1.2.3", "not a number"),
        ("1.2.3-rc.01", "leading zeros"),
        ("1.2.3@", "whole number"),
        ("1.2.3@x", "whole number"),
        ("1.2.3@1@2", "whole number"),
        ("1.2.3@99999999999999999999", "out of range"),
        ("1.2.3-", "empty pre-release"),
        ("1.2.3-a..b", "empty pre-release"),
        ("1.2.3+", "empty build"),
        ("1.2.3+a_b", "letters, digits"),
        ("1.2.3-é", "letters, digits"),
        ("99999999999999999999.0.0", "too large"),
        ("1.x", "not a number"),
        ("1 .2", "not a number"),
    ] {
        let e = Version::parse(text).expect_err(text);
        assert!(e.contains(why), "{text}: {e}");
    }
}

#[test]
fn the_ordering_examples_of_googet_md() {
    assert!(v("20240101.00@1") > v("20231231.99@1"));
    assert!(v("20240101.00@1") < v("20240101.00.0@1"));
    assert_eq!(v("20240101.01.0@1"), v("20240101.1.0@1"));
    assert_eq!(v("20240101.00.0+win@1"), v("20240101.00.0@1"));
    assert!(v("1.2.3-rc1@5") < v("1.2.3@0"));
}

#[test]
fn more_ordering() {
    let sorted = [
        "0.0.1",
        "1.0.0-1",
        "1.0.0-2",
        "1.0.0-10",
        "1.0.0-a",
        "1.0.0-a.1",
        "1.0.0-b",
        "1.0.0@-1",
        "1.0.0",
        "1.0.0@1",
        "1.0.0@2",
        "1.0.0@10",
        "1.0.1",
        "1.1.0",
        "2.0.0",
    ];
    for w in sorted.windows(2) {
        assert_eq!(
            compare(w[0], w[1]).unwrap(),
            Ordering::Less,
            "{} < {}",
            w[0],
            w[1]
        );
        assert_eq!(compare(w[1], w[0]).unwrap(), Ordering::Greater);
    }
    assert_eq!(compare("1.0.0", "1.0.0@0").unwrap(), Ordering::Equal);
    assert!(compare("1.0.0", "x").unwrap_err().contains("\"x\""));
}

proptest! {
    #[test]
    fn parsing_never_panics(s in "\\PC{0,40}") {
        let _ = Version::parse(&s);
    }

    #[test]
    fn order_is_consistent(a in "[0-9]{1,3}(\\.[0-9]{1,3}){0,2}(-[a-z0-9]{1,3}(\\.[0-9]{1,2})?)?(@[0-9]{1,2})?",
                           b in "[0-9]{1,3}(\\.[0-9]{1,3}){0,2}(-[a-z0-9]{1,3}(\\.[0-9]{1,2})?)?(@[0-9]{1,2})?") {
        if let (Ok(x), Ok(y)) = (Version::parse(&a), Version::parse(&b)) {
            prop_assert_eq!(x.cmp(&y), y.cmp(&x).reverse());
            prop_assert_eq!(x == y, x.cmp(&y) == Ordering::Equal);
            // The normalised form means the same version.
            let n = Version::parse(&x.normalized()).unwrap();
            prop_assert_eq!(n.cmp(&x), Ordering::Equal);
        }
    }
}
