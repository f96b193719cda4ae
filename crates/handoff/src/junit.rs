/// A one-test JUnit XML document for a step, the form Prow's result viewer
/// (Spyglass) shows: a failure carries `failure` as its message.
pub fn junit_summary(step: &str, failure: Option<&str>) -> String {
    let name = xml_escape(step);
    let (failures, body) = match failure {
        None => (0, String::new()),
        Some(msg) => (
            1,
            format!(
                "\n      <failure message=\"{}\">{}</failure>\n    ",
                xml_escape(first_line(msg)),
                xml_escape(msg)
            ),
        ),
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <testsuites>\n  <testsuite name=\"{name}\" tests=\"1\" failures=\"{failures}\">\n    \
         <testcase classname=\"release\" name=\"{name}\">{body}</testcase>\n  </testsuite>\n</testsuites>\n"
    )
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => out.push('?'),
            c => out.push(c),
        }
    }
    out
}
