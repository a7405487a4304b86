"""Writes vendor/<name>-1.0.0-py3-none-any.whl for each single-module project here (a wheel is a zip with
dist-info). Run from samples/python: python3 vendor-src/make-wheels.py. pip-install installs from vendor/ offline."""
import base64, hashlib, pathlib, zipfile

def record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"

for project in sorted(p for p in pathlib.Path("vendor-src").iterdir() if p.is_dir()):
    name, version = project.name, "1.0.0"
    info = f"{name}-{version}.dist-info"
    files = {f"{name}.py": (project / f"{name}.py").read_bytes(),
             f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
             f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: tilt-live make-wheels\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = "\n".join([record_line(n, d) for n, d in files.items()] + [f"{info}/RECORD,,"]) + "\n"
    out = pathlib.Path("vendor") / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as whl:
        for n, d in [*files.items(), (f"{info}/RECORD", record.encode())]:
            zi = zipfile.ZipInfo(n, date_time=(1980, 1, 1, 0, 0, 0)); zi.external_attr = 0o644 << 16
            whl.writestr(zi, d, zipfile.ZIP_DEFLATED)
    print(out)
