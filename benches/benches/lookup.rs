//! Route lookup: generated (phf + segment matchers) vs interpreted (segment trie), for 50 static
//! and 50 dynamic routes. `make bench` runs it.

use std::collections::HashMap;
use std::hint::black_box;

use bolt_benches::{alternatives, compiled, sample_paths, MANIFEST};
use bolt_runtime::__codegen::Manifest;
use bolt_runtime::__codegen::{DynamicTable, RouteTable};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn lookups(c: &mut Criterion) {
    let interpreted = DynamicTable::new(&Manifest::from_json(MANIFEST).unwrap()).unwrap();
    let (statics, dynamics, misses) = sample_paths();
    for (name, paths) in [
        ("static", &statics),
        ("dynamic", &dynamics),
        ("miss", &misses),
    ] {
        let mut group = c.benchmark_group(format!("lookup_{name}"));
        group.throughput(Throughput::Elements(paths.len() as u64));
        group.bench_function("compiled", |b| {
            b.iter(|| {
                for path in paths {
                    black_box(compiled::lookup("GET", black_box(path)));
                }
            })
        });
        group.bench_function("interpreted", |b| {
            b.iter(|| {
                for path in paths {
                    black_box(interpreted.lookup("GET", black_box(path)));
                }
            })
        });
        group.finish();
    }
}

/// The key/hasher choice for static paths, hits only: phf (SipHash13) as generated, a generated
/// `match`, and std's HashMap (SipHash13, DoS-resistant keys).
fn static_key(c: &mut Criterion) {
    let (statics, _, _) = sample_paths();
    let std_map: HashMap<String, usize> = statics.iter().cloned().zip(0..).collect();
    let mut group = c.benchmark_group("static_key");
    group.throughput(Throughput::Elements(statics.len() as u64));
    group.bench_function("compiled_lookup_phf", |b| {
        b.iter(|| {
            statics
                .iter()
                .for_each(|p| drop(black_box(compiled::lookup("GET", black_box(p)))))
        })
    });
    group.bench_function("generated_match", |b| {
        b.iter(|| {
            statics.iter().for_each(|p| {
                black_box(alternatives::static_match(black_box(p)));
            })
        })
    });
    group.bench_function("std_hashmap", |b| {
        b.iter(|| {
            statics.iter().for_each(|p| {
                black_box(std_map.get(black_box(p.as_str())));
            })
        })
    });
    group.finish();
}

criterion_group!(benches, lookups, static_key);
criterion_main!(benches);
