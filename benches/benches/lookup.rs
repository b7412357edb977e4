//! Route lookup: generated (phf + segment matchers) vs interpreted (segment trie), for 50 static
//! and 50 dynamic routes, and the Django URL matchers (generated, interpreted, regexes only)
//! for tests/django_views.py's 50 URLs. `make bench` runs it.

use std::collections::HashMap;
use std::hint::black_box;

use bolt_benches::{
    alternatives, compiled, django, django_paths, regexes_only, sample_paths, DJANGO_MANIFEST,
    MANIFEST,
};
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

/// A path no BoltAPI route serves, asked of the project's Django URLs: the generated matcher
/// (phf set, segment matchers, the regexes left), the interpreted plan, and one `RegexSet` of
/// every route's regex (the matcher before the Django URLs were compiled).
fn django_match(c: &mut Criterion) {
    let interpreted = DynamicTable::new(&Manifest::from_json(DJANGO_MANIFEST).unwrap()).unwrap();
    let serves = django::SERVES.expect("Django URLs");
    let regexes = regexes_only();
    let paths = django_paths();
    let mut group = c.benchmark_group("django_match");
    group.throughput(Throughput::Elements(paths.len() as u64));
    group.bench_function("compiled", |b| {
        b.iter(|| {
            paths.iter().for_each(|p| {
                black_box(serves(black_box(p)));
            })
        })
    });
    group.bench_function("interpreted", |b| {
        b.iter(|| {
            paths.iter().for_each(|p| {
                black_box(interpreted.serves_django(black_box(p)));
            })
        })
    });
    group.bench_function("regex_set_only", |b| {
        b.iter(|| {
            paths.iter().for_each(|p| {
                black_box(regexes.is_match(black_box(p)));
            })
        })
    });
    group.finish();
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

criterion_group!(benches, lookups, django_match, static_key);
criterion_main!(benches);
