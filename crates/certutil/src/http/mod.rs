//! `certutil http`: the guided HTTP-certificate wizard (`wizard`), its option presets for
//! non-interactive runs (`presets`), and the zip bundle it writes (`files`).

mod files;
mod presets;
mod wizard;

#[cfg(test)]
mod tests;

use ironstack_terminal::{CliError, Terminal, Verbosity};

use crate::cli::HttpArgs;
use crate::context::Context;
use crate::output;

/// Runs `certutil http`.
pub(crate) fn run(term: &mut dyn Terminal, ctx: &Context, args: HttpArgs) -> Result<(), CliError> {
    // A named output file that exists ends the command before the first question, not
    // after the last one (where Elasticsearch checks).
    output::refuse_existing_option(ctx, args.out.as_deref())?;
    let presets = presets::Presets::from_args(term, ctx, args)?;
    let batch = presets.batch;
    let plan = wizard::run(term, ctx, presets)?;
    write_bundle(term, ctx, plan, batch)
}

/// Writes the plan's zip: refuses an existing file (again: it may have appeared while the
/// questions were answered), creates a missing parent directory (asking first unless
/// `batch`).
fn write_bundle(
    term: &mut dyn Terminal,
    ctx: &Context,
    plan: wizard::HttpPlan,
    batch: bool,
) -> Result<(), CliError> {
    let out = plan.output.clone();
    output::refuse_existing(&out)?;
    output::ensure_parent_dir(term, &out, !batch)?;
    let bytes = files::build_zip(term, ctx, plan, &jiff::ZonedDateTime::now())?;
    output::write_new_file(&out, &bytes)?;
    term.println("");
    term.println_at(
        Verbosity::Silent,
        &format!("Zip file written to {}", out.display()),
    );
    Ok(())
}
