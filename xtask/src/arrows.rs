//! `cargo xtask arrows`: the workspace's crates depend on each other only as
//! `ARCHITECTURE.md`'s code map allows.
//!
//! Reads every workspace member's declared dependencies from `cargo metadata` and fails,
//! naming each arrow, on a normal dependency between two workspace crates that [`ALLOWED`]
//! does not list. Optional and target-specific dependencies count (a feature must not add an
//! arrow either); dev-dependencies do not (a crate's tests may use anything), and neither do
//! build-dependencies. A member that is in neither [`ALLOWED`] nor [`ANYTHING`] fails too, so a
//! new crate gets its place in the graph when it is added.

use crate::util::{self, StepResult};
use serde_json::Value;

/// Each library crate and the workspace crates it may depend on.
const ALLOWED: &[(&str, &[&str])] = &[
    ("cotter", &["cotter-jwt", "cotter-proto", "cotter-transport", "cotter-store"]),
    ("cotter-store-file", &["cotter-store"]),
    ("cotter-store-keyring", &["cotter-store"]),
    ("cotter-store-flash", &["cotter-store"]),
    ("cotter-jwt", &["cotter-json"]),
    ("cotter-proto", &["cotter-json"]),
    ("cotter-json", &[]),
    ("cotter-transport", &[]),
    ("cotter-store", &[]),
    // The axum/tower layer for backends: verification only; nothing of ours depends on it.
    ("cotter-axum", &["cotter-jwt"]),
    // An independent oracle: it shares no code with the SDK.
    ("cotter-emulator", &[]),
];

/// Packages that may depend on any workspace crate: examples, tests, benchmarks, automation.
const ANYTHING: &[&str] = &["cotter-examples", "cotter-tests", "cotter-bench", "xtask"];

/// `cargo xtask arrows`.
pub(crate) fn run() -> StepResult {
    let metadata =
        util::output(util::cargo().args(["metadata", "--no-deps", "--format-version", "1"]))?;
    let metadata: Value =
        serde_json::from_str(&metadata).map_err(|e| format!("cargo metadata: not JSON: {e}"))?;
    let graph = Graph::check(&members(&metadata)?);
    for line in &graph.lines {
        println!("{line}");
    }
    if graph.forbidden.is_empty() {
        println!("arrows: every dependency between workspace crates is allowed");
        Ok(())
    } else {
        Err(format!("forbidden arrows: {}", graph.forbidden.join("; ")))
    }
}

/// A workspace member and the names of its normal dependencies.
#[derive(Debug)]
struct Member<'a> {
    name: &'a str,
    normal: Vec<&'a str>,
}

/// The workspace members of `cargo metadata`'s output, in its order.
fn members(metadata: &Value) -> Result<Vec<Member<'_>>, String> {
    let ids =
        metadata["workspace_members"].as_array().ok_or("cargo metadata: no workspace_members")?;
    let packages = metadata["packages"].as_array().ok_or("cargo metadata: no packages")?;
    let mut members = Vec::new();
    for package in packages {
        if !ids.contains(&package["id"]) {
            continue;
        }
        let name = package["name"].as_str().ok_or("cargo metadata: a package without a name")?;
        let dependencies = package["dependencies"]
            .as_array()
            .ok_or_else(|| format!("cargo metadata: {name} has no dependency list"))?;
        // `kind` is null for a normal dependency, "dev" or "build" otherwise. Only path
        // dependencies can be workspace crates; `name` is the package's, even when renamed.
        let normal = dependencies
            .iter()
            .filter(|dep| dep["kind"].is_null() && dep["path"].is_string())
            .filter_map(|dep| dep["name"].as_str())
            .collect();
        members.push(Member { name, normal });
    }
    Ok(members)
}

/// The graph as printed, and what is wrong with it.
#[derive(Debug)]
struct Graph {
    /// One line per member: its arrows, the forbidden ones marked.
    lines: Vec<String>,
    /// Each forbidden arrow (`a → b`) and each member without a place in the graph.
    forbidden: Vec<String>,
}

impl Graph {
    fn check(members: &[Member<'_>]) -> Self {
        let names: Vec<&str> = members.iter().map(|m| m.name).collect();
        let mut graph = Self { lines: Vec::new(), forbidden: Vec::new() };
        for member in members {
            let allowed = if ANYTHING.contains(&member.name) {
                None
            } else if let Some((_, allowed)) = ALLOWED.iter().find(|(n, _)| *n == member.name) {
                Some(*allowed)
            } else {
                graph.forbidden.push(format!("{} (not in xtask/src/arrows.rs)", member.name));
                continue;
            };
            let mut ours: Vec<&str> =
                member.normal.iter().copied().filter(|dep| names.contains(dep)).collect();
            ours.sort_unstable();
            ours.dedup();
            let mut shown = Vec::new();
            for dep in ours {
                if allowed.is_none_or(|allowed| allowed.contains(&dep)) {
                    shown.push(dep.to_owned());
                } else {
                    shown.push(format!("{dep} (FORBIDDEN)"));
                    graph.forbidden.push(format!("{} → {dep}", member.name));
                }
            }
            let shown =
                if shown.is_empty() { "nothing of ours".to_owned() } else { shown.join(", ") };
            graph.lines.push(format!("{:<22} → {shown}", member.name));
        }
        graph
    }
}

#[cfg(test)]
mod tests {
    use super::{Graph, members};

    /// A `cargo metadata` answer cut down to the fields the check reads.
    const METADATA: &str = r#"{
        "workspace_members": ["a#cotter-proto@0.1.0", "b#cotter-jwt@0.1.0", "c#cotter-tests@0.1.0"],
        "packages": [
            {"id": "a#cotter-proto@0.1.0", "name": "cotter-proto", "dependencies": [
                {"name": "cotter-jwt", "kind": null, "path": "/w/crates/cotter-jwt"},
                {"name": "cotter-tests", "kind": "dev", "path": "/w/tests"},
                {"name": "serde", "kind": null}
            ]},
            {"id": "b#cotter-jwt@0.1.0", "name": "cotter-jwt", "dependencies": [
                {"name": "cotter-proto", "kind": "build", "path": "/w/crates/cotter-proto"}
            ]},
            {"id": "c#cotter-tests@0.1.0", "name": "cotter-tests", "dependencies": [
                {"name": "cotter-proto", "kind": null, "path": "/w/crates/cotter-proto"}
            ]},
            {"id": "registry#p256@0.14.0", "name": "p256", "dependencies": []}
        ]
    }"#;

    #[test]
    fn names_each_forbidden_normal_arrow_and_nothing_else() {
        let metadata = serde_json::from_str(METADATA).expect("the fixture is JSON");
        let graph = Graph::check(&members(&metadata).expect("the fixture has members"));
        assert_eq!(graph.forbidden, ["cotter-proto → cotter-jwt"]);
        assert_eq!(graph.lines.len(), 3);
        assert!(graph.lines[0].ends_with("→ cotter-jwt (FORBIDDEN)"), "{:?}", graph.lines);
        assert!(graph.lines[1].ends_with("→ nothing of ours"), "{:?}", graph.lines);
        assert!(graph.lines[2].ends_with("→ cotter-proto"), "{:?}", graph.lines);
    }

    #[test]
    fn a_crate_without_a_place_in_the_graph_fails() {
        let metadata = serde_json::json!({
            "workspace_members": ["x#cotter-new@0.1.0"],
            "packages": [{"id": "x#cotter-new@0.1.0", "name": "cotter-new", "dependencies": []}]
        });
        let graph = Graph::check(&members(&metadata).expect("the fixture has members"));
        assert_eq!(graph.forbidden, ["cotter-new (not in xtask/src/arrows.rs)"]);
    }
}
