//! The layers, read from the source: the front ends (api/, pages/) reach the store only through
//! services and decide no access themselves; neither imports the other; what both share lives
//! below them; sqlx stays inside dealflow-store; the core's modules import no circle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn crate_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().join(name)
}

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                found.push((path, text));
            }
        }
    }
    found.sort();
    found
}

/// The lines of `files` that mention `needle` (comments and doc comments aside).
fn mentions(files: &[(PathBuf, String)], needle: &str) -> Vec<String> {
    files
        .iter()
        .flat_map(|(path, text)| {
            text.lines()
                .enumerate()
                .filter(|(_, line)| !line.trim_start().starts_with("//") && line.contains(needle))
                .map(move |(i, line)| format!("{}:{}: {}", path.display(), i + 1, line.trim()))
        })
        .collect()
}

#[test]
fn the_front_ends_reach_the_store_only_through_services_and_decide_no_access() {
    let src = crate_dir("dealflow-server").join("src");
    let front_ends: Vec<_> = [sources(&src.join("api")), sources(&src.join("pages"))].concat();
    assert!(front_ends.len() > 30, "the front ends' files were found");
    for needle in ["dealflow_store", ".store", "sqlx", "Scope", "fn visible", "team_of", "owners()"] {
        let found = mentions(&front_ends, needle);
        assert!(found.is_empty(), "the front ends mention `{needle}`:\n{}", found.join("\n"));
    }
}

#[test]
fn neither_front_end_imports_the_other_and_what_they_share_lives_below_both() {
    let src = crate_dir("dealflow-server").join("src");
    let file = |name: &str| {
        let path = src.join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        (path, text)
    };
    let api = sources(&src.join("api"));
    let pages = sources(&src.join("pages"));
    assert!(mentions(&api, "crate::pages").is_empty(), "{:?}", mentions(&api, "crate::pages"));
    assert!(mentions(&pages, "crate::api").is_empty(), "{:?}", mentions(&pages, "crate::api"));
    // Services know nothing of HTTP; the helpers below the front ends know nothing of services.
    let layers = [
        ("services", sources(&src.join("services")), vec!["crate::api", "crate::pages", "crate::server", "crate::http::", "axum"]),
        (
            "the shared helpers",
            [
                sources(&src.join("http")),
                vec![file("access.rs"), file("error.rs"), file("metrics.rs"), file("paging.rs"), file("secrets.rs")],
            ]
            .concat(),
            vec!["crate::api", "crate::pages", "crate::server", "crate::services", "Services"],
        ),
    ];
    for (layer, files, upward) in layers {
        for needle in upward {
            let found = mentions(&files, needle);
            assert!(found.is_empty(), "{layer} reach up to `{needle}`:\n{}", found.join("\n"));
        }
    }
}

#[test]
fn sqlx_is_a_dependency_of_the_store_alone() {
    for krate in ["dealflow-core", "dealflow-server"] {
        let manifest = std::fs::read_to_string(crate_dir(krate).join("Cargo.toml")).unwrap();
        assert!(!manifest.contains("sqlx"), "{krate} depends on sqlx");
        let files = [sources(&crate_dir(krate).join("src")), sources(&crate_dir(krate).join("tests"))].concat();
        // Spelled in two pieces, so that this file does not find itself.
        let found = mentions(&files, &["sq", "lx::"].concat());
        assert!(found.is_empty(), "{krate} names sqlx:\n{}", found.join("\n"));
    }
    let binary = std::fs::read_to_string(crate_dir("dealflow").join("Cargo.toml")).unwrap();
    let (dependencies, _) = binary.split_once("[dev-dependencies]").unwrap();
    assert!(!dependencies.contains("sqlx"), "the binary itself reaches the database through the store");
}

/// The modules of dealflow-core that each module imports (`use crate::x`).
fn core_imports() -> BTreeMap<String, BTreeSet<String>> {
    let mut graph = BTreeMap::new();
    for (path, text) in sources(&crate_dir("dealflow-core").join("src")) {
        let module = path.file_stem().unwrap().to_string_lossy().into_owned();
        let imports: BTreeSet<String> = text
            .lines()
            .filter_map(|line| line.trim().strip_prefix("use crate::"))
            .filter_map(|rest| rest.split(|c: char| !c.is_alphanumeric() && c != '_').next())
            .filter(|name| *name != module && !name.is_empty() && name.chars().next().unwrap().is_lowercase())
            .map(str::to_owned)
            .collect();
        graph.insert(module, imports);
    }
    graph
}

#[test]
fn the_cores_modules_import_no_circle() {
    let graph = core_imports();
    assert!(graph.contains_key("engine") && graph.contains_key("notification"));
    // Depth-first: a module met again while still on the path closes a circle.
    fn visit(module: &str, graph: &BTreeMap<String, BTreeSet<String>>, path: &mut Vec<String>, done: &mut BTreeSet<String>) {
        if done.contains(module) {
            return;
        }
        assert!(!path.iter().any(|m| m == module), "an import circle: {} -> {module}", path.join(" -> "));
        path.push(module.to_owned());
        for next in graph.get(module).into_iter().flatten() {
            visit(next, graph, path, done);
        }
        path.pop();
        done.insert(module.to_owned());
    }
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        visit(module, &graph, &mut Vec::new(), &mut done);
    }
}

#[test]
fn no_file_of_the_front_ends_grows_past_five_hundred_lines() {
    let src = crate_dir("dealflow-server").join("src");
    for (path, text) in [sources(&src.join("api")), sources(&src.join("pages"))].concat() {
        let lines = text.lines().count();
        assert!(lines <= 500, "{} has {lines} lines: look for the second purpose hiding in it", path.display());
    }
}
