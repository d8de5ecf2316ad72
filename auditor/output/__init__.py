"""What keyaudit writes besides the report's content: escape.py (one escaping function per output medium for
text from outside), atomic.py (every file written whole or not at all, never through a link), progress.py (the
progress line on stderr while big logs are read) and svg_chart.py (stacked bar charts as inline SVG).

Imports only errors and secrets; any package may import it.
"""
