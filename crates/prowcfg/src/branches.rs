//! `branches` / `skip_branches`, as Prow matches them.

use regex::Regex;

/// A job's branch filter. Prow joins the regexes with `|` and matches them
/// unanchored (write `^master$`); `skip_branches` wins over `branches`.
#[derive(Debug, Clone)]
pub struct Brancher {
    branches: Vec<String>,
    skip: Vec<String>,
    branches_re: Option<Regex>,
    skip_re: Option<Regex>,
}

impl Brancher {
    /// Compiles the filter; the error names the first regex that does not
    /// compile.
    pub fn new(branches: &[String], skip: &[String]) -> Result<Brancher, (String, regex::Error)> {
        let compile = |list: &[String]| -> Result<Option<Regex>, (String, regex::Error)> {
            for r in list {
                Regex::new(r).map_err(|e| (r.clone(), e))?;
            }
            if list.is_empty() {
                return Ok(None);
            }
            let joined = list.join("|");
            Regex::new(&joined).map(Some).map_err(|e| (joined, e))
        };
        Ok(Brancher {
            branches_re: compile(branches)?,
            skip_re: compile(skip)?,
            branches: branches.to_vec(),
            skip: skip.to_vec(),
        })
    }

    /// Whether the job runs for a push to (or a pull request against)
    /// `branch`. Tag pushes are matched by the tag name.
    pub fn should_run(&self, branch: &str) -> bool {
        if self.skip_re.as_ref().is_some_and(|r| r.is_match(branch)) {
            return false;
        }
        self.branches_re.as_ref().is_none_or(|r| r.is_match(branch))
    }

    /// Whether the filter lets every branch through.
    pub fn runs_against_all(&self) -> bool {
        self.branches.is_empty() && self.skip.is_empty()
    }

    /// Prow's `Brancher.Intersects`: whether some branch could run both.
    pub fn intersects(&self, other: &Brancher) -> bool {
        if self.runs_against_all() || other.runs_against_all() {
            return true;
        }
        if !self.branches.is_empty() {
            if !other.branches.is_empty() {
                return self.branches.iter().any(|b| other.branches.contains(b));
            }
            return self.branches.iter().any(|b| other.should_run(b));
        }
        if other.branches.is_empty() {
            // Both only skip: some branch is skipped by neither.
            return true;
        }
        other.intersects(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(branches: &[&str], skip: &[&str]) -> Brancher {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        Brancher::new(&s(branches), &s(skip)).unwrap()
    }

    #[test]
    fn unanchored_like_prow() {
        assert!(b(&["master"], &[]).should_run("not-master-really"));
        assert!(!b(&["^master$"], &[]).should_run("master2"));
        assert!(b(&["^master$", "^release-.*"], &[]).should_run("release-1"));
        assert!(b(&[], &[]).should_run("20261127.00"));
    }

    #[test]
    fn skip_wins() {
        let x = b(&[".*"], &[r"^\d{8}\.\d+$"]);
        assert!(x.should_run("master"));
        assert!(!x.should_run("20261127.00"));
    }

    #[test]
    fn intersection() {
        assert!(b(&["^master$"], &[]).intersects(&b(&["^master$"], &[])));
        assert!(!b(&["^master$"], &[]).intersects(&b(&["^main$"], &[])));
        assert!(b(&[], &[]).intersects(&b(&["^main$"], &[])));
        // Prow tests the other's branch regexes as branch names.
        assert!(!b(&["master"], &[]).intersects(&b(&[], &["^master$"])));
        assert!(b(&[], &["^master$"]).intersects(&b(&["^main$"], &[])));
    }

    #[test]
    fn bad_regex_is_named() {
        let e = Brancher::new(&["(master".into()], &[]).unwrap_err();
        assert_eq!(e.0, "(master");
    }
}
