//! Crate scaffolding from askama templates in `bolt-codegen/templates/`: Cargo.toml,
//! pyproject.toml, lib.rs and the extension's type stub.

use askama::Template;

use crate::model::Ir;

#[derive(Template)]
#[template(path = "crate_Cargo.toml")]
pub struct CargoToml<'a> {
    pub crate_name: &'a str,
    pub project: &'a str,
    pub version: &'a str,
    pub runtime_path: &'a str,
}

#[derive(Template)]
#[template(path = "crate_pyproject.toml")]
pub struct PyProject<'a> {
    pub crate_name: &'a str,
    pub dist_name: &'a str,
    pub project: &'a str,
    pub version: &'a str,
}

#[derive(Template)]
#[template(path = "crate_lib.rs")]
pub struct LibRs<'a> {
    pub crate_name: &'a str,
    pub project: &'a str,
    pub fingerprint: &'a str,
}

/// `<crate_name>.pyi`, which maturin ships (with `py.typed`) in the project wheel.
#[derive(Template)]
#[template(path = "crate_stub.pyi", escape = "none")]
pub struct Stub<'a> {
    pub project: &'a str,
    pub fingerprint: &'a str,
    pub route_count: usize,
}

/// Version of a generated crate: fixed, so that regenerating never changes it by itself.
pub const CRATE_VERSION: &str = "0.1.0";

pub fn cargo_toml(ir: &Ir, runtime_path: &str) -> Result<String, askama::Error> {
    CargoToml {
        crate_name: &ir.crate_name,
        project: &ir.project,
        version: CRATE_VERSION,
        runtime_path,
    }
    .render()
}

pub fn pyproject_toml(ir: &Ir) -> Result<String, askama::Error> {
    let dist_name = ir.crate_name.replace('_', "-");
    PyProject {
        crate_name: &ir.crate_name,
        dist_name: &dist_name,
        project: &ir.project,
        version: CRATE_VERSION,
    }
    .render()
}

pub fn lib_rs(ir: &Ir) -> Result<String, askama::Error> {
    LibRs {
        crate_name: &ir.crate_name,
        project: &ir.project,
        fingerprint: &ir.fingerprint,
    }
    .render()
}

pub fn stub_pyi(ir: &Ir) -> Result<String, askama::Error> {
    Stub {
        project: &ir.project,
        fingerprint: &ir.fingerprint,
        route_count: ir.routes.len(),
    }
    .render()
    .map(|stub| stub + "\n")
}
