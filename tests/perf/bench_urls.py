"""The portal's URLs with the benchmark's reference page, as BENCHMARK_VIEWS=1 routes it."""

from django.urls import path

from portal import bench
from portal.urls import urlpatterns as portal_urlpatterns

urlpatterns = [
    path("bench/reference/", bench.reference, name="bench_reference"),
    *portal_urlpatterns,
]
