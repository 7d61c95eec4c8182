"""The reference frontend: the hotline console (/console) and the resident page (/m/), plain HTML, ES modules and
CSS shipped inside the package and served by the app. They call the public API like any other client."""
