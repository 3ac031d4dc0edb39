"""Platform ids Sentry accepts for a project (a subset of sentry's ``platforms`` list)."""

from __future__ import annotations

# One string, split: a list of 120 quoted names would be a screenful of punctuation.
_NAMES = """
android apple apple-ios apple-macos bun capacitor cordova dart dart-flutter deno dotnet
dotnet-aspnet dotnet-aspnetcore dotnet-awslambda dotnet-gcpfunctions dotnet-maui dotnet-uwp
dotnet-winforms dotnet-wpf dotnet-xamarin electron elixir flutter go go-echo go-fasthttp go-
fiber go-gin go-http go-iris go-martini go-negroni godot ionic java java-log4j2 java-logback
java-spring java-spring-boot javascript javascript-angular javascript-astro javascript-ember
javascript-gatsby javascript-nextjs javascript-nuxt javascript-react javascript-react-router
javascript-remix javascript-solid javascript-solidstart javascript-svelte javascript-
sveltekit javascript-tanstackstart-react javascript-vue kotlin minidump native native-qt
nintendo-switch node node-awslambda node-azurefunctions node-connect node-express node-
fastify node-gcpfunctions node-hapi node-koa node-nestjs other php php-laravel php-symfony
playstation powershell python python-aiohttp python-asgi python-awslambda python-bottle
python-celery python-chalice python-django python-falcon python-fastapi python-flask python-
gcpfunctions python-pylons python-pymongo python-pyramid python-quart python-rq python-sanic
python-serverless python-starlette python-tornado python-tryton python-wsgi react-native
ruby ruby-rack ruby-rails rust unity unreal xbox
"""
PLATFORMS = frozenset(_NAMES.split())
