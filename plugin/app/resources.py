"""Files shipped inside the plugin zip (templates, CSS).

Inside calibre they load from the zip with the get_resources() calibre injects into the
plugin's modules; in the unit tests (a plain directory) from beside this module.
"""

import os


def resource_text(name):
    getter = globals().get('get_resources')
    if getter is not None:
        data = getter('plugin/app/' + name)
        if data is not None:
            return data.decode('utf-8')
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), *name.split('/')), encoding='utf-8') as f:
        return f.read()
