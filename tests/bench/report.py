"""How the benchmarks print a measured figure: the median and the whole range."""

import statistics


def spread(values, unit, fmt="{:.2f}"):
    """'median M UNIT (range LOW-HIGH over N runs)', each number written with FMT."""
    low, mid, high = (fmt.format(v) for v in (min(values), statistics.median(values), max(values)))
    return f"median {mid} {unit} (range {low}-{high} over {len(values)} runs)"
