use std::path::PathBuf;

/// What went wrong with a goospec, its files or a package. Each message
/// names the field (as the goospec spells it) or the file, and says what to
/// do. The pure functions ([`crate::render`], [`crate::parse_spec`],
/// [`crate::map_sources`]) do not know the spec's file name;
/// [`Error::in_spec`] adds it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Any error about the spec file `file`.
    #[error("{}: {error}", file.display())]
    InSpec {
        /// The `.goospec` file.
        file: PathBuf,
        /// What is wrong with it.
        error: Box<Error>,
    },

    // --- templating
    /// The spec is too large to be a goospec.
    #[error("the spec is {size} bytes, more than the {limit}-byte limit of a goospec")]
    SpecTooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },

    /// The spec is not a valid Go template.
    #[error("line {line}, column {column}: template syntax error: {message}")]
    TemplateSyntax {
        /// 1-based line of the spec file.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's words.
        message: String,
    },

    /// The template uses a variable nobody gave a value.
    #[error("{}undefined variable {name}: {hint}", at_line(*line))]
    UndefinedVariable {
        /// `.name` for a template variable, `$name` for a declared one.
        name: String,
        /// 1-based line of its first use, when known.
        line: Option<usize>,
        /// What to do.
        hint: String,
    },

    /// The template uses a feature goospecs cannot use.
    #[error(
        "line {line}: {what} is not supported in a goospec; use variables, printf, pipelines and if"
    )]
    TemplateUnsupported {
        /// 1-based line.
        line: usize,
        /// The construct.
        what: &'static str,
    },

    /// Executing the template failed.
    #[error("{}template error: {message}", at_line(*line))]
    TemplateExec {
        /// 1-based line, when known.
        line: Option<usize>,
        /// The executor's words.
        message: String,
    },

    /// The rendered spec would be absurdly large.
    #[error("the rendered spec exceeds {limit} bytes; a goospec renders to a small JSON object")]
    RenderedTooLarge {
        /// The limit.
        limit: usize,
    },

    // --- JSON
    /// The rendered spec is not valid JSON.
    #[error(
        "line {line}, column {column} of the rendered spec: invalid JSON: {message}\n{context}"
    )]
    Json {
        /// 1-based line of the rendered text.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the JSON parser expected.
        message: String,
        /// The lines around the error with a caret under it.
        context: String,
    },

    /// The rendered spec is JSON but not one object.
    #[error(
        "the rendered spec is {found}, expected one JSON object {{\"name\": ..., \"version\": ..., ...}}"
    )]
    NotAnObject {
        /// What it is.
        found: &'static str,
    },

    /// A field has the wrong JSON type.
    #[error("\"{field}\" must be {expected}, found {found}")]
    FieldType {
        /// The field, e.g. `install.args[1]`.
        field: String,
        /// The type it must have.
        expected: &'static str,
        /// The type it has.
        found: &'static str,
    },

    // --- the fields (goopack's checks, in goopack's order)
    /// `name` is missing or empty.
    #[error("no name defined in package spec: set \"name\", e.g. \"name\": \"google-guest-agent\"")]
    NoName,

    /// `name` cannot be a package name.
    #[error(
        "\"name\": {name:?} {reason}: a package name becomes the file names <name>.pkgspec and <name>.<arch>.<version>.goo"
    )]
    BadName {
        /// The name.
        name: String,
        /// What is wrong.
        reason: &'static str,
    },

    /// `arch` is not a googet architecture.
    #[error(
        "invalid architecture: {arch:?}: \"arch\" must be one of noarch, x86_64, x86_32, arm, arm64"
    )]
    InvalidArch {
        /// The value.
        arch: String,
    },

    /// `version` is missing or empty.
    #[error("version string empty: set \"version\", e.g. \"version\": \"{{{{.version}}}}@1\"")]
    EmptyVersion,

    /// A version does not parse.
    #[error("\"{field}\": can't parse version {version:?}: {reason}")]
    BadVersion {
        /// `version` or `pkgDependencies.<name>`.
        field: String,
        /// The value.
        version: String,
        /// Why.
        reason: String,
    },

    /// More than 10 tags.
    #[error("too many tags: \"tags\" has {count}, at most 10 are allowed")]
    TooManyTags {
        /// How many.
        count: usize,
    },

    /// A tag key is longer than 127 bytes.
    #[error("tag key too large: \"tags\" key {key:?} is {len} bytes, at most 127 are allowed")]
    TagKeyTooLarge {
        /// The key (cut to 40 characters).
        key: String,
        /// Its length in bytes.
        len: usize,
    },

    /// A tag value is longer than 10240 bytes.
    #[error("tag {key:?} too large: its value is {len} bytes, at most 10240 are allowed")]
    TagTooLarge {
        /// The key.
        key: String,
        /// The decoded length.
        len: usize,
    },

    /// A tag value is not base64.
    #[error(
        "\"tags.{key}\" is not base64: tag values are bytes written in standard base64, e.g. \"aGVsbG8=\""
    )]
    BadBase64 {
        /// The key.
        key: String,
    },

    /// A path that must be relative is absolute.
    #[error("\"{field}\": {path:?} is an absolute path, expected relative")]
    AbsolutePath {
        /// The field.
        field: String,
        /// The path.
        path: String,
    },

    /// A path climbs out of where it must stay.
    #[error("\"{field}\": {path:?} leaves {scope}: '..' may not climb above it")]
    PathLeaves {
        /// The field.
        field: String,
        /// The path.
        path: String,
        /// `the package`, `the working folder`, `its root`.
        scope: &'static str,
    },

    /// A path that cannot be used.
    #[error("\"{field}\": {path:?} {reason}")]
    BadPath {
        /// The field.
        field: String,
        /// The path.
        path: String,
        /// What is wrong.
        reason: &'static str,
    },

    /// A glob with three or more stars in a row.
    #[error(
        "\"{field}\": {pattern:?}: malformed glob: use * within a folder name or ** across folders"
    )]
    MalformedGlob {
        /// The field.
        field: String,
        /// The pattern.
        pattern: String,
    },

    // --- mapping sources to files
    /// An include found no file.
    #[error(
        "\"{field}\": {include:?} matches no file under {base}: check \"root\" and the pattern, or that the build step produced the files"
    )]
    IncludeMatchesNothing {
        /// e.g. `sources[1].include[0]`.
        field: String,
        /// The include.
        include: String,
        /// The folder it was looked for in.
        base: String,
    },

    /// A literal include names a folder.
    #[error(
        "\"{field}\": {include:?} is a folder; to pack everything in it write \"{include}/**\""
    )]
    IncludeIsFolder {
        /// The field.
        field: String,
        /// The include.
        include: String,
    },

    /// A file resolves outside the source tree.
    #[error("{path} resolves to {}, outside the source tree: only files inside the repository are packed", target.display())]
    OutsideTree {
        /// The file, relative to the working folder.
        path: String,
        /// Where it resolves.
        target: PathBuf,
    },

    /// Not a regular file.
    #[error(
        "{path} is not a regular file (a device, socket or fifo): a package holds regular files only"
    )]
    NotRegularFile {
        /// The file, relative to the working folder.
        path: String,
    },

    /// A file name that is not UTF-8.
    #[error("{} has a name that is not UTF-8; googet package paths are UTF-8", path.display())]
    NotUtf8 {
        /// The path.
        path: PathBuf,
    },

    /// Two different files at one package path.
    #[error(
        "two different files would be {package_path} in the package: {first} and {second}; change a \"target\" or exclude one"
    )]
    DuplicatePath {
        /// The path in the package.
        package_path: String,
        /// The first file (relative to the working folder).
        first: String,
        /// The second file.
        second: String,
    },

    /// A payload file whose name ends in `.pkgspec`.
    #[error(
        "{source_file} would be packed as {package_path}: googet takes the first entry ending in .pkgspec as the package's spec, so no payload file may end in .pkgspec; rename or exclude it"
    )]
    PkgspecPayload {
        /// The path in the package.
        package_path: String,
        /// The file.
        source_file: String,
    },

    /// `files` names paths that are not in the package.
    #[error("requested files [{}] not in package: every key of \"files\" must be a file the sources put in the package, or a folder holding some", missing.join(" "))]
    FilesNotInPackage {
        /// The keys, sorted.
        missing: Vec<String>,
    },

    /// A file changed while it was being packed.
    #[error("{} changed while it was packed (expected {expected} bytes): pack from a tree nothing writes to", path.display())]
    FileChanged {
        /// The file.
        path: PathBuf,
        /// The size it had when listed.
        expected: u64,
    },

    // --- reading packages
    /// A file is not a valid `.goo`.
    #[error("{}: not a valid .goo package: {detail}", path.display())]
    Corrupt {
        /// The package.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },

    /// A file operation failed.
    #[error(transparent)]
    Io(#[from] fs_error::FsError),
}

fn at_line(line: Option<usize>) -> String {
    line.map(|l| format!("line {l}: ")).unwrap_or_default()
}

impl Error {
    /// Says which spec file the error is about (once).
    pub fn in_spec(self, file: impl Into<PathBuf>) -> Error {
        match self {
            e @ Error::InSpec { .. } => e,
            e => Error::InSpec {
                file: file.into(),
                error: Box::new(e),
            },
        }
    }

    /// The error without the spec file around it.
    pub fn inner(&self) -> &Error {
        match self {
            Error::InSpec { error, .. } => error.inner(),
            e => e,
        }
    }

    /// [`Error::inner`], owned.
    pub fn into_inner(self) -> Error {
        match self {
            Error::InSpec { error, .. } => error.into_inner(),
            e => e,
        }
    }
}
